// Prints the shipped bytes of each runtime target: the wasm module and the JS that loads it, raw, gzip -9 and
// brotli (quality 11), each file compressed on its own as a server would send it. `--check` (run by
// scripts/test.sh; bytes are deterministic for a toolchain) exits 1 when a target grows past its ceiling.
// The budgets are not met yet (bench/RESULTS.md): each ceiling is a ratchet at today's size plus about
// 0.5 % for toolchain noise, so nothing regrows while the gap is worked on. Lower a ceiling with every cut.
//   node scripts/size.mjs [--check] [--json]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import { build } from "esbuild";

// The size budgets (bench/RESULTS.md), gzip -9: a browser SPA, and an app that only reads tokens (`ctct-oauth/decode`).
const BUDGET_GZIP = { web: 30_000, decode: 8_000 };
const pkg = new URL("../pkg/", import.meta.url);
// The web entry is one module per file, for bundlers to drop what an app does not import (per-import
// figures: scripts/import-sizes.mjs); what it ships at most is every export bundled, measured as esbuild
// bundles and minifies it into one file. The other entries are one minified file each (scripts/entries.mjs).
const everything = (
  await build({
    stdin: { contents: 'export * from "./dist/web/browser.js";', resolveDir: new URL(".", pkg).pathname },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    // The server module is a chunk of its own, fetched on first use: its row is below.
    external: ["*.wasm", "*ctct_oauth_server.js"],
    legalComments: "none",
    write: false,
    logLevel: "warning",
  })
).outputFiles[0].contents;
// key: [label, ceiling (gzip -9 bytes), wasm, ...JS]
const targets = {
  web: ["web (browsers, bundlers; every export)", 69_550, "dist/web/ctct_oauth_bg.wasm", everything],
  decode: [
    "web, ctct-oauth/decode (decode-only module)",
    20_750,
    "dist/web/ctct_oauth_decode_bg.wasm",
    "dist/web/decode.js",
    "dist/web/lib/error.js", // shared with the main entry (one CtctOAuthError class)
  ],
  server: [
    "web, the server module (on a first device-flow, verification or fleet call)",
    63_400,
    "dist/web/ctct_oauth_server_bg.wasm",
    "dist/web/ctct_oauth_server.js",
  ],
  workerd: ["workerd (Cloudflare Workers)", 77_850, "dist/web/ctct_oauth_server_bg.wasm", "dist/web/workerd.js"],
  "edge-light": [
    "edge-light (Vercel's Edge runtime)",
    77_850,
    "dist/web/ctct_oauth_server_bg.wasm",
    "dist/web/edge-light.js",
  ],
  deno: ["deno", 77_850, "dist/web/ctct_oauth_server_bg.wasm", "dist/web/deno.js"],
  node: ["node require (index.cjs)", 77_950, "dist/node/ctct_oauth_bg.wasm", "dist/node/index.cjs"],
  // Node's import and bundlers targeting Node: one file, the wasm inside as base64 (no separate wasm to count).
  "node-import": [
    "node import, Node bundles (bundler.mjs, the wasm inside)",
    98_250,
    Buffer.alloc(0),
    "dist/node/bundler.mjs",
  ],
};

const sizes = (file) => {
  const bytes = typeof file === "string" ? readFileSync(new URL(file, pkg)) : file;
  return {
    raw: bytes.length,
    gzip: execFileSync("gzip", ["-9", "-n", "-c"], { input: bytes, maxBuffer: 1 << 26 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const zero = { raw: 0, gzip: 0, brotli: 0 };

const rows = Object.entries(targets).map(([key, [name, ceiling, ...files]]) => {
  const wasm = sizes(files[0]);
  const js = files.slice(1).map(sizes).reduce(add, zero);
  return { key, target: name, ceiling, wasm, js, total: add(wasm, js) };
});

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const f = (s) => `${s.raw} / ${s.gzip} / ${s.brotli}`;
  console.log("| target | wasm (raw / gzip -9 / brotli) | JS glue | total |");
  console.log("|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.target} | ${f(r.wasm)} | ${f(r.js)} | ${f(r.total)} |`);
}
for (const r of rows.filter((r) => r.key in BUDGET_GZIP)) {
  const budget = BUDGET_GZIP[r.key];
  const verdict = r.total.gzip <= budget ? "within" : `OVER by ${r.total.gzip - budget} B`;
  console.error(`${r.key} entry: ${r.total.gzip} B gzip -9 against a budget of ${budget} B: ${verdict}`);
}
if (process.argv.includes("--check")) {
  const failures = rows.filter((r) => r.total.gzip > r.ceiling);
  for (const r of failures) console.error(`size check: ${r.target} (${r.total.gzip} B gzip) grew past ${r.ceiling} B`);
  if (failures.length) process.exit(1);
  console.error("size check: every target within its ceiling");
}
