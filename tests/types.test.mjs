// pkg/index.d.ts against tests/types/usage.mts: valid uses compile, each @ts-expect-error misuse fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const root = new URL("..", import.meta.url).pathname;

test("TypeScript: the declared API type-checks, misuse is rejected", async () => {
  const r = await promisify(execFile)(`${root}node_modules/.bin/tsc`, ["-p", "tests/types"], { cwd: root }).catch(
    (e) => e,
  );
  assert.equal(r.code ?? 0, 0, `${r.stdout}${r.stderr}`);
});

test("index.d.ts declares exactly the names the package exports", async () => {
  const { readFile } = await import("node:fs/promises");
  const dts = await readFile(`${root}pkg/index.d.ts`, "utf8");
  const declared = [...dts.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]).sort();
  const lib = await import("ctct-oauth");
  assert.deepEqual(declared, Object.keys(lib).sort());
});
