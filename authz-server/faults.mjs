// Which request gets a fault: the `fault` switch of server.mjs, one setting or a list of them, each
//   { at: "token" | "keys" | "revoke" | "device" | "api", kind, times?, probability?, seed?, slowMs? }
// Without `probability`, the next `times` (default 1) requests to that endpoint get the fault. With it, each request
// to the endpoint gets the fault with that probability (0..1), drawn from a generator seeded with `seed` (an integer,
// default 1) when the setting is made: the n-th request after it draws the n-th number, so a chaos schedule that
// replays the same requests in the same order gets the same faults. `times` then caps how many (default: no cap).
// A setting that has run out is removed; the first matching setting in a list that fires wins.

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
