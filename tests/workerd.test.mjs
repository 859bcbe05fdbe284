// The package in the real Workers runtime (workerd, through miniflare), bundled the way wrangler
// bundles: esbuild with the `workerd` condition, the .wasm kept as a separate module import.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { report } from "./js/report.mjs";

const out = new URL("../test-output/worker/", import.meta.url).pathname;
let mf;

before(async () => {
  await rm(out, { recursive: true, force: true });
  await build({
    entryPoints: [new URL("./js/worker.mjs", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    outdir: out,
    loader: { ".wasm": "copy" },
    assetNames: "[name]",
    logLevel: "warning",
  });
  mf = new Miniflare({
    modules: true,
    scriptPath: `${out}worker.js`,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
  });
});
after(async () => mf?.dispose());

test("workerd: the package loads through its workerd entry and passes the suite", async (t) => {
  const res = await mf.dispatchFetch("http://127.0.0.1/");
  assert.equal(res.status, 200);
  await report(t, await res.json());
});
