// Prints what each bundler ships for an app that imports only decodeAccessToken, only
// ConstantContactOAuth's authorization URL, and the single-page-app set (ConstantContactOAuth, TokenSession,
// indexedDbStore): the JS and the wasm of each production build, raw and gzip -9 (each file on its own), and
// apart what is fetched only on a first device-flow, verification or fleet call (the server module).
// Built from the packed tarball as tests/bundlers.test.mjs builds it (needs scripts/build.sh first).
//   node scripts/import-sizes.mjs [--json]
import { join } from "node:path";
import { fixture, browserBuilds, shipped } from "../tests/js/bundlers.mjs";

const APPS = {
  "decode-entry": "decodeAccessToken from ctct-oauth/decode",
  decode: "decodeAccessToken only",
  authurl: "authorizationUrl only",
  spa: "SPA set",
};
const fx = await fixture();
const rows = [];
try {
  for (const [bundler, build] of Object.entries(browserBuilds))
    for (const [app, label] of Object.entries(APPS)) {
      const out = join(fx.dir, "out", bundler.replace(/\W+/g, "-"), app);
      await build(fx.dir, app, out);
      const { js, wasm, lazy } = await shipped(out);
      rows.push({ bundler, app: label, js, wasm, lazy });
    }
} finally {
  await fx.close();
}
if (process.argv.includes("--json")) console.log(JSON.stringify(rows, null, 2));
else {
  const kb = (n) => (n / 1000).toFixed(1);
  const f = (s) => `${kb(s.raw)} / ${kb(s.gzip)}`;
  console.log("| bundler | app imports | JS (kB raw / gzip -9) | wasm | total | on a first server-side call |");
  console.log("|---|---|---|---|---|---|");
  for (const { bundler, app, js, wasm, lazy } of rows) {
    const total = { raw: js.raw + wasm.raw, gzip: js.gzip + wasm.gzip };
    console.log(`| ${bundler} | ${app} | ${f(js)} | ${f(wasm)} | ${f(total)} | ${f(lazy)} |`);
  }
}
