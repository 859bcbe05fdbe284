// Which request gets a fault: the `fault` switch (switches.mjs, ./README.md), one setting or a list of them, each
//   { at: "token" | "keys" | "revoke" | "device" | "api", kind, times?, probability?, seed?, slowMs? }
// Without `probability`, the next `times` (default 1) requests to that endpoint get the fault. With it, each request
// to the endpoint gets the fault with that probability (0..1), drawn from a generator seeded with `seed` (an integer,
// default 1) when the setting is made: the n-th request after it draws the n-th number, so a chaos schedule that
// replays the same requests in the same order gets the same faults. `times` then caps how many (default: no cap).
// A setting that has run out is removed; the first matching setting in a list that fires wins.
//
// How a fault answers: injectFault (the kinds answered instead of the request) and faultAfter (the kinds applied to
// the real answer, after the request was processed).
import { Readable } from "node:stream";
import { page } from "./pages.mjs";

export const FAULT_AT = ["token", "keys", "revoke", "device", "api"];
/** Answered instead of the request, which is not processed. */
export const BEFORE_KINDS = ["500", "502", "503", "html200", "truncated", "reset", "hang", "429", "429-retry"];
/** Applied to the real answer: the request IS processed (a refresh token rotated) before the fault. */
export const AFTER_KINDS = ["slow-body", "truncated-after", "hang-after", "reset-after"];
export const FAULT_KINDS = [...BEFORE_KINDS, ...AFTER_KINDS];

function isSetting(v) {
  if (!v || typeof v !== "object" || !FAULT_AT.includes(v.at) || !FAULT_KINDS.includes(v.kind)) return false;
  if (v.probability !== undefined && !(typeof v.probability === "number" && v.probability >= 0 && v.probability <= 1))
    return false;
  if (v.seed !== undefined && !Number.isSafeInteger(v.seed)) return false;
  if (v.times !== undefined && !(typeof v.times === "number" && v.times >= 1)) return false;
  return true;
}

/** The `fault` switch's rule: null, a setting, or a non-empty list of settings. */
export function isFaultSwitch(v) {
  return v === null || isSetting(v) || (Array.isArray(v) && v.length > 0 && v.every(isSetting));
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1), the same sequence on every platform. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const generators = new WeakMap(); // setting -> its generator (a new setting object starts from its seed)

/**
 * The fault for a request to `endpoint` (one of FAULT_AT, or null for none of them), or null; counts the setting
 * down in `switches.fault` and removes it once it has run out.
 */
export function takeFault(switches, endpoint) {
  if (!endpoint || !switches.fault) return null;
  const list = [switches.fault].flat();
  for (const f of list) {
    if (f.at !== endpoint) continue;
    if (f.probability !== undefined) {
      if (!generators.has(f)) generators.set(f, generator(f.seed ?? 1));
      if (generators.get(f)() >= f.probability) continue;
      if (f.times !== undefined) f.times -= 1;
    } else {
      f.times = (f.times ?? 1) - 1;
    }
    if (f.times !== undefined && f.times <= 0) {
      const rest = list.filter((x) => x !== f);
      switches.fault = Array.isArray(switches.fault) ? (rest.length ? rest : null) : null;
    }
    return f;
  }
  return null;
}

/** Faults answered before the request reaches the provider: server state is untouched. */
export function injectFault(ctx, fault) {
  const send = (status, type, body, headers = {}) => {
    ctx.status = status;
    for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
    ctx.type = type;
    ctx.body = body;
  };
  switch (fault.kind) {
    case "500":
      return send(500, "json", { errorCode: "E0000009", errorSummary: "Internal Server Error" });
    case "502":
      return send(502, "html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
    case "503":
      return send(503, "html", "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", {
        "Retry-After": "2",
      });
    case "html200":
      return send(200, "html", page("Maintenance", "<h1>We'll be right back</h1>"));
    case "truncated":
      return send(
        200,
        "json",
        '{"token_type":"Bearer","expires_in":86400,"access_token":"eyJraWQiOiJjYy1sb2NhbC0xIiwiYWxnIjoiUlMy',
      );
    case "429":
      return send(429, "json", { error: "rate_limited", error_description: "Too many requests." });
    case "429-retry":
      return send(
        429,
        "json",
        { error: "rate_limited", error_description: "Too many requests." },
        { "Retry-After": "1" },
      );
    case "reset": {
      ctx.respond = false;
      ctx.res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      ctx.res.write('{"token_type":"Bearer","access_token":"eyJ');
      setTimeout(() => ctx.req.socket.destroy(), 20);
      return;
    }
    case "hang":
      ctx.respond = false; // the socket stays open until the client gives up or the server closes
      return;
    default:
      return send(500, "text", `unknown fault kind ${fault.kind}`);
  }
}

/** Faults applied to the real answer: `handle()` processes the request (a refresh rotates) first. */
export async function faultAfter(ctx, fault, handle) {
  await handle();
  if (fault.kind === "hang-after") {
    ctx.respond = false; // processed, never answered: the socket stays open until the client goes
    return;
  }
  if (fault.kind === "reset-after") {
    // Processed, then the connection is reset (RST) before any byte of the answer is written.
    ctx.respond = false;
    const socket = ctx.req.socket;
    if (socket.writable && !socket.writableEnded) socket.resetAndDestroy();
    else socket.destroy();
    return;
  }
  const text =
    typeof ctx.body === "string" || Buffer.isBuffer(ctx.body) ? String(ctx.body) : JSON.stringify(ctx.body ?? "");
  const status = ctx.status;
  if (fault.kind === "truncated-after") {
    ctx.status = status;
    ctx.type = "json";
    ctx.body = text.slice(0, Math.floor(text.length / 2));
    return;
  }
  const slowMs = fault.slowMs ?? 1500;
  const chunks = 10;
  const step = Math.ceil(text.length / chunks);
  ctx.status = status;
  ctx.type = "json";
  const body = Readable.from(
    (async function* () {
      for (let i = 0; i < text.length; i += step) {
        await new Promise((r) => setTimeout(r, slowMs / chunks));
        yield text.slice(i, i + step);
      }
    })(),
  );
  // A client that gives up mid-body is the point of this fault, not a server error worth logging.
  ctx.res.once("close", () => body.destroy());
  body.on("error", () => {});
  ctx.body = body;
}
