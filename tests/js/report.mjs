// Turns a suite's results (from any runtime) into node:test subtests, so every check is reported by
// name and a failure shows the runtime's own stack.
import assert from "node:assert/strict";

export async function report(t, results) {
  assert.ok(Array.isArray(results) && results.length >= 10, `the suite ran (${JSON.stringify(results)?.slice(0, 300)})`);
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) assert.fail(r.error);
    });
  }
}
