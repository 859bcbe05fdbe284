// The package under the other server runtimes, from npm: Deno (through the `deno` condition) and Bun
// (which reads the `node` condition): the shared suite, then the smoke test's code exchange, key set
// verification and refresh against the local authorization server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { report } from "./js/report.mjs";
import { startAuthServer } from "../authz-server/server.mjs";
import { prepareSmoke } from "./js/smoke-node.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const runtimes = [
  {
    name: "Deno",
    bin: "deno",
    args: [
      "run",
      "--no-remote",
      "--allow-read",
      "--allow-env=CTCT_SMOKE",
      "--allow-net=127.0.0.1,127.0.0.2",
      "tests/js/runtime-run.mjs",
    ],
    entry: /\/dist\/web\/deno\.js$/,
  },
  { name: "Bun", bin: "bun", args: ["run", "tests/js/runtime-run.mjs"], entry: /\/dist\/node\/bundler\.mjs$/ },
];

let server;
before(async () => {
  server = await startAuthServer();
});
after(() => server?.close());

for (const rt of runtimes) {
  test(`${rt.name}: the package passes the suite and the smoke test against the local server`, async (t) => {
    const smoke = JSON.stringify(await prepareSmoke(server));
    const { stdout } = await run(`${root}node_modules/.bin/${rt.bin}`, rt.args, {
      cwd: root,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", CTCT_SMOKE: smoke },
    });
    const { resolved, results } = JSON.parse(stdout);
    assert.equal(results.filter((r) => r.name.startsWith("smoke: ")).length, 7, "the smoke test ran");
    assert.match(resolved, rt.entry, "resolved through the expected condition");
    const { stdout: version } = await run(`${root}node_modules/.bin/${rt.bin}`, ["--version"]);
    t.diagnostic(`${rt.name} ${version.trim().split("\n")[0]}`);
    await report(t, results);
  });
}
