// The I/O the wasm module does not do: fetch with timeout and abort, and waiting. It never looks inside
// a body; the module builds every request and reads every response. `fail(kind)` makes the typed error.

const DEFAULT_TIMEOUT_MS = 30_000;
/** Bodies cross into the module cut just past its 64 KB limit: it answers "too large" without a hostile body being copied in. */
const MAX_BODY_CROSSING = 64 * 1024 + 1;

/** Sends a request the module built; resolves to { status, retryAfter, body } or throws a typed error. */
export async function send(fetchFn, req, options, fail) {
  if (typeof fetchFn !== "function") throw fail("no_fetch");
  const signal = options?.signal;
  if (signal?.aborted) throw fail("aborted");
  const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    // Only the headers the module chose: never a forwarded Origin, and no cache/redirect options (Workers reject them).
    const res = await fetchFn(req.url, { method: req.method ?? "POST", headers: req.headers, body: req.body, signal: controller.signal });
    const text = await res.text();
    const body = text.length > MAX_BODY_CROSSING ? text.slice(0, MAX_BODY_CROSSING) : text;
    return { status: res.status, retryAfter: res.headers.get("retry-after") ?? undefined, body };
  } catch (cause) {
    const kind = timedOut ? "timeout" : signal?.aborted ? "aborted" : "network";
    const e = fail(kind);
    if (kind === "network") Object.defineProperty(e, "cause", { value: cause, enumerable: false });
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Waits ms, or rejects with `aborted` when the signal fires. */
export function sleep(ms, signal, fail) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(fail("aborted"));
    const onAbort = () => {
      clearTimeout(t);
      reject(fail("aborted"));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
