// Token sets: plain data (fields this library does not know are kept), printed with their secrets
// redacted by console.log / util.inspect; JSON.stringify keeps them, since that is how they are stored.
/** @import { TokenSet, ReceivedTokenSet } from "../index.js" */
const INSPECT = [Symbol.for("nodejs.util.inspect.custom"), Symbol.for("Deno.customInspect")];
const SECRET = ["accessToken", "refreshToken", "idToken"];

const PROTO = Object.create(Object.prototype);
for (const sym of INSPECT) {
  Object.defineProperty(PROTO, sym, {
    value() {
      const shown = { ...this };
      for (const k of SECRET) if (shown[k] !== undefined) shown[k] = "[redacted]";
      return { TokenSet: shown };
    },
  });
}

/**
 * A token set from a plain object (a stored one included). Every own key becomes a plain data property:
 * a `__proto__` key from JSON (or a hostile store) is kept as data, never allowed to replace the
 * prototype and with it the redaction.
 * @template {Record<string, unknown>} T
 * @param {T} object
 * @returns {T}
 */
export function tokenSet(object) {
  const t = Object.create(PROTO);
  for (const key of Object.keys(object)) {
    Object.defineProperty(t, key, { value: object[key], enumerable: true, writable: true, configurable: true });
  }
  return t;
}

/**
 * The module's token set (a token endpoint's answer, read) from its JSON text.
 * @param {string} jsonText
 * @returns {ReceivedTokenSet}
 */
export const tokenSetFrom = (jsonText) => tokenSet(JSON.parse(jsonText));

/**
 * @param {unknown} v
 * @returns {v is TokenSet}
 */
export const isTokenSet = (v) =>
  typeof v === "object" && v !== null && typeof (/** @type {{ accessToken?: unknown }} */ (v).accessToken) === "string";
