// Signals. Ctrl-C cancels whatever is waiting (a login, a connection), but never the short stretch in which
// a token request has been sent and its answer not yet saved: with rotating refresh tokens, dropping that
// answer would end the session. A second Ctrl-C quits at once.
import { CliError, EXIT, say } from "./output.mjs";

/** @typedef {"SIGINT" | "SIGTERM"} Signal */

export const interrupt = new AbortController();
/** @type {Set<() => Promise<unknown>>} */
export const cleanups = new Set(); // closes loopback servers and store clients on the way out
let criticalDepth = 0;
/** @type {Signal | null} */
let pendingSignal = null;

/** @param {Signal} signal */
export function onSignal(signal) {
  if (interrupt.signal.aborted || pendingSignal) {
    say("\ninterrupted");
    process.exit(EXIT[signal]);
  }
  if (criticalDepth > 0) {
    pendingSignal = signal;
    say("\nfinishing the token request first, so its answer is saved (Ctrl-C again to quit anyway)...");
    return;
  }
  interrupt.abort(interrupted(signal));
}
/** @param {Signal} signal @param {string} [after] */
function interrupted(signal, after = "") {
  const what = signal === "SIGTERM" ? "terminated" : "interrupted";
  return new CliError(what, `${what}${after}`, EXIT[signal]);
}

/**
 * Runs fn with the signals deferred; if one came meanwhile, stops right after fn succeeded (its result is
 * saved by then). If fn failed, its own error is the one reported.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function critical(fn) {
  criticalDepth += 1;
  /** @type {T} */
  let result;
  try {
    result = await fn();
  } finally {
    criticalDepth -= 1;
  }
  if (criticalDepth === 0 && pendingSignal) {
    const e = interrupted(pendingSignal, " (after finishing the token request and saving its answer)");
    interrupt.abort(e);
    throw e;
  }
  return result;
}

/**
 * A promise that rejects with the signal's reason when it aborts (for Promise.race: never "unhandled").
 * @param {AbortSignal} signal
 * @returns {Promise<never>}
 */
export function whenAborted(signal) {
  /** @type {Promise<never>} */
  const p = new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  p.catch(() => {});
  return p;
}

/** AbortSignal.any, which Node 18 lacks. @param {AbortSignal[]} signals */
export function anySignal(...signals) {
  const ctl = new AbortController();
  for (const s of signals) {
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener("abort", () => ctl.abort(s.reason), { once: true });
  }
  return ctl.signal;
}
