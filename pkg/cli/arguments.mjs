// Arguments: each command's options (node:util parseArgs), durations and ports.
import { usage } from "./output.mjs";

/**
 * A command's options as node:util's parseArgs reads them with OPTIONS (each command has a subset).
 * @typedef {{ store?: string, "client-id"?: string, json?: boolean, help?: boolean, browser?: boolean,
 *   device?: boolean, port?: string, "no-open"?: boolean, timeout?: string, scopes?: string, verify?: boolean }} Flags
 */

/** @typedef {NonNullable<import("node:util").ParseArgsConfig["options"]>} Options */

/** @type {Options} */
const COMMON = {
  store: { type: "string" },
  "client-id": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
/** @type {Record<string, Options>} */
export const OPTIONS = {
  login: {
    ...COMMON,
    browser: { type: "boolean" },
    device: { type: "boolean" },
    port: { type: "string" },
    "no-open": { type: "boolean" },
    timeout: { type: "string" },
    scopes: { type: "string" },
  },
  whoami: { ...COMMON, verify: { type: "boolean" } },
  token: COMMON,
  refresh: COMMON,
  logout: COMMON,
};

/** @param {string | undefined} text @param {string} command */
export function parseDuration(text, command) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? "");
  const unit = /** @type {Record<string, number>} */ ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 });
  const ms = m && Number(m[1]) * unit[m[2] ?? "s"];
  if (!ms || ms > 2 ** 31 - 1) {
    throw usage(`--timeout ${text}: expected a duration such as 300, 90s, 5m or 1h`, command);
  }
  return ms;
}

/** @param {string} text @param {string} command */
export function parsePort(text, command) {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw usage(`--port ${text}: expected 0 to 65535`, command);
  return Number(text);
}

/** @param {number} ms */
export function humanDuration(ms) {
  const s = Math.round(ms / 1000);
  return s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
