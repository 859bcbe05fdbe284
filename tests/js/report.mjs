// Turns a suite's results (from any runtime) into node:test subtests, so every check is reported by
// name and a failure shows the runtime's own stack.
import assert from "node:assert/strict";

export async function report(t, results) {
  assert.ok(
    Array.isArray(results) && results.length >= 10,
    `the suite ran (${JSON.stringify(results)?.slice(0, 300)})`,
  );
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) assert.fail(r.error);
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
