// Hand-built chaos schedules for the defects the checker must catch (scripts/checker-defects.sh). Random
// schedules reach the interleaving each defect needs only now and then; these repeat it several times in one
// run. Plain schedules like makeSchedule's: the same runner and checker judge them.
//   late-refresh:   a token answer held back while another process signs out or in (defect 1).
//   unwritten-pair: the store refuses connections while a token answer is on its way, back before the holder's
//                   grace ends (defect 3).
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
      // The store refuses connections from the moment the next refresh reaches the server: its answer, held
      // back 700 ms, arrives while the store is down. The store is back 850 ms later: after the write's fourth
      // retry, most often, and before the holder's grace (1 s) ends, when defect 3 releases the lease.
      events.push({ at: at + 10, kind: "store", fault: "refuse", afterRefresh: 1500, forMs: 1550 });
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
