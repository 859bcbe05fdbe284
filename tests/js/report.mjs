// Turns a suite's results (from any runtime) into node:test subtests, so every check is reported by
// name and a failure shows the runtime's own stack. A result carrying `exports` (the names the runtime's
// entry exports, tests/js/suite.mjs) must list exactly those of pkg/lib/index.js, the package's one list.
import assert from "node:assert/strict";
import { exportNames } from "../../scripts/export-names.mjs";

export async function report(t, results) {
  assert.ok(
    Array.isArray(results) && results.length >= 10,
    `the suite ran (${JSON.stringify(results)?.slice(0, 300)})`,
  );
  const names = results.some((r) => r.exports) ? await exportNames() : [];
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) assert.fail(r.error);
      if (r.exports) assert.deepEqual(r.exports, names, "the entry exports exactly pkg/lib/index.js's names");
    });
  }
}

/** Awaits a rejection that must be a CtctOAuthError with this code; `check` inspects it further. */
export async function rejects(promise, code, check) {
  const { CtctOAuthError } = await import("ctct-oauth");
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof CtctOAuthError, `not a CtctOAuthError: ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    check?.(e);
    return true;
  });
}
