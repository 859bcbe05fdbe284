// Calls to the Constant Contact API with a session's access token.
import { glue } from "./glue.js";
import { inBrowser } from "./glue.js";
import { raise } from "./raise.js";

/** @import { ApiInit } from "../index.js" */
/**
 * A session's side of a call: the API's base URL, the fetch to use (default: the global one), and its access
 * token (`token(refused)`: a token other than `refused`, refreshing if need be).
 * @typedef {object} Caller
 * @property {string} base
 * @property {typeof fetch | undefined} fetchFn
 * @property {(refused?: string) => string | Promise<string>} token
 */

/**
 * The URL of a call: a path is taken under apiBase; either way the normalised URL (`..` resolved) must
 * stay under apiBase, the only place the Bearer token is ever sent.
 * @param {string} base
 * @param {string | URL} pathOrUrl
 */
function apiUrl(base, pathOrUrl) {
  const root = new URL(base);
  const prefix = root.pathname.replace(/\/+$/, "");
  let url;
  try {
    const raw = String(pathOrUrl);
    url = new URL(raw.startsWith("/") ? `${root.origin}${prefix}${raw}` : raw);
  } catch {
    throw raise("not_api_url");
  }
  const under = url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
  if (url.origin !== root.origin || !under || url.username || url.password) throw raise("not_api_url");
  return url.href;
}

/**
 * fetch for the Constant Contact API, as fetch behaves: it resolves with the Response whatever its
 * status. The token and JSON headers are added (only headers CC's CORS allows), a plain object body is
 * sent as JSON, and a 401 refreshes the token once and retries once. `token(refused?)` provides it.
 * @param {Caller} caller
 * @param {string | URL} pathOrUrl
 * @param {ApiInit} [init]
 * @returns {Promise<Response>}
 */
export async function apiFetch({ base, fetchFn, token }, pathOrUrl, init = {}) {
  const url = apiUrl(base, pathOrUrl);
  const send = async (/** @type {string} */ bearer) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${bearer}`);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    let { body } = init;
    const plain = body !== null && typeof body === "object" && Object.getPrototypeOf(body) === Object.prototype;
    if (plain) body = JSON.stringify(body);
    if (typeof body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
    try {
      // (A plain object body is JSON text by now.)
      return await (fetchFn ?? globalThis.fetch)(url, {
        ...init,
        headers,
        body: /** @type {BodyInit | null} */ (body),
      });
    } catch (cause) {
      throw raise(init.signal?.aborted ? "aborted" : inBrowser() ? "network_in_browser" : "network", { cause });
    }
  };
  const first = await token();
  const res = await send(first);
  if (res.status !== 401) return res;
  return send(await token(first));
}

/**
 * The API's JSON answer; a failed call throws `api_error` / `rate_limited` with the API's own errors.
 * @param {Caller} options
 * @param {string | URL} pathOrUrl
 * @param {ApiInit} [init]
 * @returns {Promise<any>} the API's JSON, as parsed
 */
export async function apiJson(options, pathOrUrl, init) {
  const res = await apiFetch(options, pathOrUrl, init);
  const text = await res.text();
  if (!res.ok) throw glue.__apiError(res.status, res.headers.get("retry-after") ?? undefined, text);
  return text === "" ? undefined : JSON.parse(text);
}
