// The package in Node, through its real `exports` map: import and require.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { inspect } from "node:util";
import * as esm from "ctct-oauth";
import { runSuite } from "./js/suite.mjs";
import { report } from "./js/report.mjs";

const cjs = createRequire(import.meta.url)("ctct-oauth");

test("Node resolves the node entries for import and require", () => {
  assert.match(import.meta.resolve("ctct-oauth"), /\/dist\/node\/bundler\.mjs$/);
  assert.match(createRequire(import.meta.url).resolve("ctct-oauth"), /\/dist\/node\/index\.cjs$/);
});

test("Node, import", async (t) => report(t, await runSuite(esm, { browser: false })));
test("Node, require", async (t) => report(t, await runSuite(cjs, { browser: false })));

test("import and require share one module instance and one error class", () => {
  assert.equal(esm.CtctOAuthError, cjs.CtctOAuthError);
  assert.equal(esm.ConstantContactOAuth, cjs.ConstantContactOAuth);
  try {
    cjs.decodeAccessToken("");
  } catch (e) {
    assert.ok(e instanceof esm.CtctOAuthError);
    return;
  }
  assert.fail("expected a throw");
});

test("console.log / util.inspect of a client show the redacted view", () => {
  const secret = "Q1w2E3r4T5y6U7i8";
  const auth = new esm.ConstantContactOAuth({
    clientId: "c",
    clientSecret: secret,
    redirectUri: "https://a.example/cb",
  });
  const shown = inspect(auth, { depth: 5 });
  assert.ok(!shown.includes(secret), shown);
  assert.match(shown, /\[redacted\]/);
  assert.match(shown, /clientId: 'c'/);
});
