// Hand-built chaos schedules for the defects the checker must catch (scripts/checker-defects.sh). Random
// schedules reach the interleaving each defect needs only now and then; these repeat it several times in one
// run. Plain schedules like makeSchedule's: the same runner and checker judge them.
//   late-refresh:   a token answer held back while another process signs out or in (defect 1).
//   unwritten-pair: the store goes away while a token answer is on its way, back within the lease (defect 3).
import { makeSchedule } from "./schedule.mjs";

/** The schedule of scenario `name`, varied by `seed` (its store client and account names). */
export function scenario(name, seed) {
  const late = name === "late-refresh";
  if (!late && name !== "unwritten-pair") throw new Error(`no scenario ${name}: late-refresh or unwritten-pair`);
  const base = makeSchedule(seed, { only: [late ? "redis" : "pg"], durationMs: 9000 });
  const events = [];
  for (let k = 0; k < 4; k++) {
    const at = 700 + k * 2000;
    // Held back 700 ms: well inside the session's timeout (1.5 s), so the answer arrives, late.
    events.push({ at, kind: "token", fault: "slow-body", times: 2, slowMs: 700 });
    if (late) {
      const what = k % 2 ? "signin" : "signout";
      events.push({ at: at + 200, kind: "user", what, id: 1, account: 0, revoke: false });
    } else {
      // A request sent in the 600 ms before the stop gets its answer while the store is down; the store is back
      // after the write's fourth retry and, often, before the holder's grace (1 s) ends.
      events.push({ at: at + 600, kind: "store", fault: "stop", forMs: 1400 });
    }
  }
  return {
    ...base,
    accounts: base.accounts.slice(0, 1),
    processes: [0, 1, 2].map((id) => ({ id, clockOffset: 0, mode: "sessions", sessions: 1, callsAtOnce: 4 })),
    events,
    signIns: events.filter((e) => e.what === "signin").length,
  };
}
