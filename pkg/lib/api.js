// The public API, around the wasm module (`glue`): JS values in, one JSON text across the boundary,
// one JSON.parse back. Every check, message and protocol decision is made in the module; this file
// converts values, does the I/O (./io.js) and the WebCrypto call, and keeps JS-only things (fetch,
// AbortSignal, Date) on this side.
import { CtctOAuthError } from "./error.js";
import { send, sleep } from "./io.js";
import { makeSession, memoryStore, webStorageStore, indexedDbStore, kvStore } from "./session.js";
import { makeBroker } from "./broker.js";

const INSPECT = [Symbol.for("nodejs.util.inspect.custom"), Symbol.for("Deno.customInspect")];
const JWKS_MAX_AGE_MS = 10 * 60_000; // refetch the key set at most this often...
const JWKS_COOLDOWN_MS = 30_000; // ...or on an unknown kid, if the copy is older than this
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

/** A browser page or a browser worker: where a client secret would be readable by anyone. */
const inBrowser = () => (typeof window !== "undefined" && typeof document !== "undefined") || typeof importScripts === "function";
const nowSecs = () => Math.floor(Date.now() / 1000);
/**
 * Strings cross into the module cut to just past its largest limit (16 KB tokens and redirect URLs):
 * the module still answers "too long", but a hostile megabyte is never copied in. Wasm memory never
 * shrinks, so one such copy would stay allocated for the life of the process.
 */
const MAX_CROSSING = 16 * 1024 + 1;
const str = (v) => (typeof v === "string" ? (v.length > MAX_CROSSING ? v.slice(0, MAX_CROSSING) : v) : undefined);
/** Options and token sets larger than this are refused before crossing. */
const MAX_JSON = 64 * 1024;
const isTokenSet = (v) => typeof v === "object" && v !== null && typeof v.accessToken === "string";
const b64urlBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

function deepFreeze(o) {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v);
  return Object.freeze(o);
}

/** Token sets print with their secrets redacted (console.log, util.inspect); JSON.stringify keeps them, for storage. */
const TOKEN_SET = Object.create(Object.prototype);
for (const sym of INSPECT) {
  Object.defineProperty(TOKEN_SET, sym, {
    value() {
      const shown = { ...this };
      for (const k of ["accessToken", "refreshToken", "idToken"]) if (shown[k] !== undefined) shown[k] = "[redacted]";
      return { TokenSet: shown };
    },
  });
}
const asTokenSet = (object) => Object.assign(Object.create(TOKEN_SET), object);
const tokenSet = (json) => asTokenSet(JSON.parse(json));

/** Per key-set URL, across clients: { fetchedAt (ms), text, keys, imported: CryptoKey per index }. */
const jwksCache = new Map();

export function build(glue) {
  glue.__registerErrorClass(CtctOAuthError);
  const fail = (kind) => glue.__error(kind, inBrowser());
  // Options cross as JSON; a Date `now` as seconds (an invalid Date as a string the module refuses).
  const json = (value) => {
    let v = value;
    if (v?.now instanceof Date) v = { ...v, now: Number.isNaN(v.now.getTime()) ? "invalid Date" : v.now.getTime() / 1000 };
    let text;
    try {
      text = JSON.stringify(v ?? null);
    } catch {
      throw fail("not_json");
    }
    if (text.length > MAX_JSON) throw fail("too_large");
    return text;
  };
  const constants = JSON.parse(glue.__constants());
  const fetchOf = new WeakMap();

  class ConstantContactOAuth {
    #inner;
    #fetch;
    #jwksUrl; // read once from the module, on first verification

    constructor(config) {
      const isObject = typeof config === "object" && config !== null && !Array.isArray(config);
      const fetchFn = isObject ? config.fetch : undefined;
      // A function does not survive JSON: the module is told whether it is one.
      const forModule = isObject && fetchFn !== undefined ? { ...config, fetch: typeof fetchFn === "function" || "not a function" } : config;
      this.#inner = new glue.__Client(json(forModule), inBrowser());
      this.#fetch = fetchFn;
      fetchOf.set(this, fetchFn);
    }

    /** A session that keeps this client authorized: see TokenSession. */
    session(options) {
      return new TokenSession(this, options);
    }

    authorizationUrl(options) {
      return JSON.parse(this.#inner.authorizationUrl(json(options)));
    }

    parseRedirect(url, options) {
      const text = typeof url === "string" ? url : str(url?.href);
      const r = JSON.parse(this.#inner.parseRedirect(text, json(options)));
      if (r.tokens) r.tokens = asTokenSet(r.tokens);
      return r;
    }

    /** The configuration with the secret redacted (also what console.log shows). */
    toJSON() {
      return JSON.parse(this.#inner.describe());
    }

    free() {
      this.#inner.free();
    }

    [Symbol.dispose]() {
      this.free();
    }

    async #call(kind, value, options) {
      const req = JSON.parse(this.#inner.request(kind, value, json(options)));
      return send(this.#fetch ?? globalThis.fetch, req, options, fail);
    }

    /** Exchanges an authorization code: Basic auth for a confidential client, client_id + code_verifier for a public one. */
    async exchangeCode(code, options) {
      const res = await this.#call("authorization_code", str(code), options);
      return tokenSet(this.#inner.tokenResponse(res.status, res.retryAfter, res.body, undefined));
    }

    /** Refreshes; takes a refresh token or a token set. A rotated refresh token replaces the old one, which then stops working. */
    async refresh(refreshTokenOrTokens, options) {
      const rt = str(isTokenSet(refreshTokenOrTokens) ? refreshTokenOrTokens.refreshToken : refreshTokenOrTokens);
      const res = await this.#call("refresh_token", rt, options);
      return tokenSet(this.#inner.tokenResponse(res.status, res.retryAfter, res.body, rt));
    }

    async startDeviceAuthorization(options) {
      const res = await this.#call("device_authorization", undefined, options);
      return JSON.parse(this.#inner.deviceStartResponse(res.status, res.retryAfter, res.body));
    }

    /**
     * One poll, no waiting: `{ status: "pending" | "slow_down" | "complete", interval, tokens? }`. Pass the
     * returned interval back (`{ ...device, interval }`); a Worker can store it and schedule the next step
     * with a Durable Object alarm.
     */
    async pollDeviceAuthorizationOnce(device, options) {
      if (typeof device?.expiresAt === "number" && nowSecs() >= device.expiresAt) throw fail("expired_token");
      const res = await this.#call("device_code", str(device?.deviceCode), options);
      const step = JSON.parse(this.#inner.devicePollResponse(res.status, res.retryAfter, res.body));
      step.interval = (device.interval ?? 5) + (step.status === "slow_down" ? 5 : 0);
      if (step.tokens) step.tokens = asTokenSet(step.tokens);
      return step;
    }

    /** Polls until the user approves: waits `interval`, adds 5 s on slow_down, stops at expiry, honours `signal`. */
    async pollDeviceAuthorization(device, options = {}) {
      const { onPending, ...rest } = options;
      let current = { ...device };
      for (let attempts = 1; ; attempts++) {
        const left = (current.expiresAt - nowSecs()) * 1000;
        if (!(left > 0)) throw fail("expired_token");
        await sleep(Math.min(current.interval * 1000, left), options.signal, fail);
        const step = await this.pollDeviceAuthorizationOnce(current, rest);
        if (step.status === "complete") return step.tokens;
        current = { ...current, interval: step.interval };
        onPending?.({ status: step.status, interval: step.interval, attempts, expiresAt: current.expiresAt });
      }
    }

    /** Revokes a refresh (default) or access token. */
    async revoke(token, tokenTypeHint = "refresh_token", options = {}) {
      const res = await this.#call("revocation", str(token), { ...options, tokenTypeHint });
      this.#inner.revocationResponse(res.status, res.retryAfter, res.body);
    }

    /**
     * Verifies an access token: RS256 signature by WebCrypto with the key set's key for its kid (cached;
     * refetched once on an unknown kid), then iss, aud, exp (with leeway), cid and optional requiredScopes.
     */
    async verifyAccessToken(token, options = {}) {
      const kid = this.#inner.verifyPrepare(str(token));
      const url = (this.#jwksUrl ??= this.toJSON().endpoints.jwks);
      // An explicit `now` drives every time decision of the call: the claims and the key set's age.
      const { now } = options;
      const clock = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now * 1000;
      const load = async () => {
        const res = await send(this.#fetch ?? globalThis.fetch, { url, method: "GET", headers: { accept: "application/json" } }, options, fail);
        this.#inner.jwksResponse(res.status, res.retryAfter, res.body);
        const entry = { fetchedAt: clock, text: res.body, keys: JSON.parse(res.body).keys, imported: [] };
        jwksCache.set(url, entry);
        return entry;
      };
      let entry = jwksCache.get(url);
      if (!entry || clock - entry.fetchedAt > JWKS_MAX_AGE_MS) entry = await load();
      let index = glue.__selectKey(entry.text, kid);
      if (index === undefined && clock - entry.fetchedAt > JWKS_COOLDOWN_MS) {
        entry = await load();
        index = glue.__selectKey(entry.text, kid);
      }
      if (index === undefined) throw fail("key_not_found");
      entry.imported[index] ??= await crypto.subtle.importKey("jwk", entry.keys[index], RSA, false, ["verify"]);
      const cut = token.lastIndexOf(".");
      const input = new TextEncoder().encode(token.slice(0, cut));
      if (!(await crypto.subtle.verify(RSA, entry.imported[index], b64urlBytes(token.slice(cut + 1)), input))) throw fail("signature_invalid");
      const { timeoutMs: _t, signal: _s, ...claimOptions } = options;
      return JSON.parse(this.#inner.verifyClaims(token, json(claimOptions)));
    }
  }
  const isExpired = (tokenOrSet, options) => {
    const set = typeof tokenOrSet === "object" && tokenOrSet !== null ? json(tokenOrSet) : undefined;
    return glue.__isExpired(str(tokenOrSet), set, json(options));
  };
  const sessionError = (kind) => glue.__sessionError(kind);
  const apiError = (status, retryAfter, body) => glue.__apiError(status, retryAfter, body);
  const TokenSession = makeSession({ isExpired, sessionError, apiError, fail, tokenSetOf: asTokenSet, fetchOf: (auth) => fetchOf.get(auth) });
  const { TokenBroker, brokerSession } = makeBroker({
    ConstantContactOAuth,
    CtctOAuthError,
    deps: { apiBase: constants.endpoints.apiBase, fail, sessionError, apiError },
  });

  for (const sym of INSPECT) {
    Object.defineProperty(ConstantContactOAuth.prototype, sym, {
      value() {
        return { ConstantContactOAuth: this.toJSON() };
      },
    });
  }

  return {
    ConstantContactOAuth,
    CtctOAuthError,
    ENDPOINTS: deepFreeze(constants.endpoints),
    SCOPES: deepFreeze(constants.scopes),
    createPkce: (options) => JSON.parse(glue.__createPkce(json(options))),
    generateState: () => glue.__generateState(),
    decodeAccessToken: (token) => JSON.parse(glue.__decode(str(token), isTokenSet(token))),
    tokenExpiresAt: (token) => glue.__expiresAt(str(token), isTokenSet(token)),
    // A token crosses as itself (the hot path); a token set as JSON.
    isExpired,
    TokenSession,
    TokenBroker,
    brokerSession,
    memoryStore,
    webStorageStore,
    indexedDbStore,
    kvStore,
  };
}
