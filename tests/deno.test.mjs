// The package under Deno (the npm `deno` binary), resolved through the `deno` condition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { report } from "./js/report.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;

test("Deno: the package passes the suite", async (t) => {
  const { stdout } = await run(`${root}node_modules/.bin/deno`, ["run", "--no-remote", "--allow-read", "tests/js/deno-run.mjs"], {
    cwd: root,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  const { resolved, results } = JSON.parse(stdout);
  assert.match(resolved, /\/dist\/web\/deno\.js$/, "resolved through the deno condition");
  await report(t, results);
});

test("Deno: the version under test", async () => {
  const { stdout } = await run(`${root}node_modules/.bin/deno`, ["--version"]);
  assert.match(stdout, /^deno \d+\.\d+/);
});
