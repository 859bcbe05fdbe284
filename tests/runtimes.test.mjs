// The package under the other server runtimes, from npm: Deno (through the `deno` condition) and Bun
// (which reads the `node` condition).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { report } from "./js/report.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const runtimes = [
  { name: "Deno", bin: "deno", args: ["run", "--no-remote", "--allow-read", "tests/js/runtime-run.mjs"], entry: /\/dist\/web\/deno\.js$/ },
  { name: "Bun", bin: "bun", args: ["run", "tests/js/runtime-run.mjs"], entry: /\/dist\/node\/index\.mjs$/ },
];

for (const rt of runtimes) {
  test(`${rt.name}: the package passes the suite`, async (t) => {
    const { stdout } = await run(`${root}node_modules/.bin/${rt.bin}`, rt.args, { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
    const { resolved, results } = JSON.parse(stdout);
    assert.match(resolved, rt.entry, "resolved through the expected condition");
    const { stdout: version } = await run(`${root}node_modules/.bin/${rt.bin}`, ["--version"]);
    t.diagnostic(`${rt.name} ${version.trim().split("\n")[0]}`);
    await report(t, results);
  });
}
