// The I/O the wasm module does not do: fetch with a timeout and an AbortSignal, and waiting. It never
// looks inside a body: the module builds every request and reads every response.
import { body } from "./crossing.js";
import { inBrowser } from "./glue.js";
import { raise } from "./raise.js";

/** @import { RequestOptions } from "../index.js" */

/**
 * Sends a request the module built (`{ url, headers, body, method? }`) and resolves to `{ status,
 * retryAfter, body }`, or throws network_error / timeout / aborted.
 * @param {typeof fetch | undefined} fetchFn
 * @param {{ url: string, headers?: Record<string, string>, body?: string, method?: string }} req
 * @param {RequestOptions} [options]
 * @param {number} [defaultTimeoutMs]
 * @returns {Promise<{ status: number, retryAfter: string | undefined, body: string }>}
 */
export async function send(fetchFn, req, { signal, timeoutMs } = {}, defaultTimeoutMs = 30_000) {
  if (typeof fetchFn !== "function") throw raise("no_fetch");
  if (signal?.aborted) throw raise("aborted");
  const limit = timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), controller.abort()), limit);
  const onAbort = () => controller.abort();
  signal?.addEventListener?.("abort", onAbort, { once: true });
  try {
    // Only the headers the module chose: never a forwarded Origin, and no cache/redirect options
    // (Workers reject them).
    const init = { method: req.method ?? "POST", headers: req.headers, body: req.body, signal: controller.signal };
    const res = await fetchFn(req.url, init);
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get("retry-after") ?? undefined, body: body(text) };
  } catch (cause) {
    if (timedOut) throw raise("timeout", { cause });
    if (signal?.aborted) throw raise("aborted", { cause });
    throw inBrowser() ? raise("network_in_browser", { cause }) : raise("network", { cause });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener?.("abort", onAbort);
  }
}

/**
 * Waits `ms`, or rejects with `aborted` when the signal fires. The timer keeps a Node process alive: a
 * caller is waiting on it (only timers nobody waits on are unref'd, e.g. the session's refresh timer).
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(raise("aborted"));
    const onAbort = () => {
      clearTimeout(t);
      reject(raise("aborted"));
    };
    const t = setTimeout(
      () => {
        signal?.removeEventListener?.("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener?.("abort", onAbort, { once: true });
  });
}
