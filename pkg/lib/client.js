// ConstantContactOAuth: the configuration, checked once by the module, and every call around it. Each
// network call is a request/response pair: the module builds the request and a context, this file sends
// it (./io.js), and the module reads the answer against that context. Nothing here decides: it converts
// values, keeps the clock and the key-set cache, and calls WebCrypto.
import { glue, inBrowser, serverGlue, serverIsSeparate } from "./glue.js";
import { json, seconds, text } from "./crossing.js";
import { send, sleep } from "./io.js";
import { raise } from "./raise.js";
import { tokenSet, tokenSetFrom, isTokenSet } from "./token-set.js";
import { RULES } from "./generated/constants.js";
import { TokenSession } from "./session.js";
import { TokenFleet } from "./fleet.js";
import { internals } from "./internals.js";

/** @import { ConstantContactOAuth as API, ConstantContactOAuthConfig, FromEnvOptions } from "../index.js" */
/** @import { ConstantContactOAuthDescription, ReceivedTokenSet, RequestOptions } from "../index.js" */

const INSPECT = [Symbol.for("nodejs.util.inspect.custom"), Symbol.for("Deno.customInspect")];
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

/** @typedef {{ fetchedAt: number, keys: Record<string, JsonWebKey>, imported: Map<string, CryptoKey> }} KeySet */
/**
 * Per key-set URL, shared by every client of a process: `{ fetchedAt (s), keys: {kid: jwk}, imported: Map }`.
 * @type {Map<string, KeySet>}
 */
const keySets = new Map();

/** The env variables a client reads (`fromEnv`): only these cross into the module, never the rest of env. */
const FROM_ENV = Symbol("fromEnv");
const ENV = [
  "CTCT_CLIENT_ID",
  "CTCT_CLIENT_SECRET",
  "CTCT_REDIRECT_URI",
  "CTCT_SCOPES",
  "CTCT_ENDPOINTS",
  "CTCT_ALLOW_INSECURE_LOOPBACK",
];

export class ConstantContactOAuth {
  // The clients in the module's bindings (wasm-bindgen's generated code) are untyped.
  /** @type {any} */ #inner;
  /** @type {((bindings: any) => any) | undefined} */ #make; // builds this client in the server module's bindings,
  // where they are another module (browsers)
  /** @type {any} */ #serverInner;
  #freed = false;
  /** @type {typeof fetch | undefined} */ #fetch;
  /** @type {(() => number | Date) | undefined} */ #clock;
  /** @type {ConstantContactOAuthDescription | undefined} */ #described;

  /**
   * @param {ConstantContactOAuthConfig | FromEnvOptions | undefined} config (fromEnv's options, from fromEnv)
   * @param {Record<symbol, Record<string, string | undefined>>} [fromEnv] fromEnv's variables, under a private symbol
   */
  constructor(config, fromEnv) {
    const isObject = typeof config === "object" && config !== null && !Array.isArray(config);
    const env = fromEnv?.[FROM_ENV];
    const [envText, configText] = [env && json(env), json(config)];
    const make = (/** @type {any} */ g) =>
      env ? g.__Client.fromEnv(envText, configText, inBrowser()) : new g.__Client(configText, inBrowser());
    this.#inner = make(glue);
    // The configuration text is kept only where a second module will need it (browsers, which refuse secrets).
    if (serverIsSeparate()) this.#make = make;
    this.#fetch = isObject ? config.fetch : undefined;
    this.#clock = isObject ? config.clock : undefined;
    internals.set(this, {
      inner: this.#inner,
      fetch: () => this.#fetch ?? globalThis.fetch,
      now: () => this.#now(),
      // A session's refresh: the answer is read on the session's own clock (one clock per session).
      refresh: (rt, options, now) => this.#tokens(this.#inner.refreshRequest(text(rt), json(options)), options, now),
      // Fractional seconds, for measuring durations on this clock.
      clock: () => {
        const v = this.#clock ? this.#clock() : Date.now() / 1000;
        return v instanceof Date ? v.getTime() / 1000 : v;
      },
    });
  }

  /**
   * A client from environment variables (a Worker's `env`, a CLI's `process.env`): CTCT_CLIENT_ID,
   * CTCT_CLIENT_SECRET, CTCT_REDIRECT_URI, CTCT_SCOPES, CTCT_ENDPOINTS (JSON), CTCT_ALLOW_INSECURE_LOOPBACK.
   * @type {typeof API.fromEnv}
   */
  static fromEnv(env = globalThis.process?.env ?? {}, options) {
    const picked = Object.fromEntries(ENV.filter((k) => typeof env?.[k] === "string").map((k) => [k, env[k]]));
    return new ConstantContactOAuth(options, { [FROM_ENV]: picked });
  }

  #now() {
    return seconds(this.#clock);
  }

  /**
   * This client in the bindings that have the server-side calls (the same client where they are one).
   * @returns {Promise<any>}
   */
  async #server() {
    if (this.#freed) throw raise("client_freed");
    const g = await serverGlue();
    if (this.#freed) throw raise("client_freed");
    if (g === glue) return this.#inner;
    this.#serverInner ??= /** @type {(bindings: any) => any} */ (this.#make)(g); // (set where they differ)
    this.#make = undefined;
    return this.#serverInner;
  }

  /** A session that keeps this client authorized: see TokenSession. @type {API["session"]} */
  session(options) {
    return new TokenSession(this, options);
  }

  /** Many accounts under this application: see TokenFleet. @type {API["fleet"]} */
  fleet(options) {
    return new TokenFleet(this, options);
  }

  /** @type {API["authorizationUrl"]} */
  authorizationUrl(options) {
    return JSON.parse(this.#inner.authorizationUrl(json(options)));
  }

  /**
   * The redirect back from Constant Contact: `{ type: "code", code, state, iss, scopes }`, checked.
   * @type {API["parseRedirect"]}
   */
  parseRedirect(url, options) {
    const href = typeof url === "string" ? url : url?.href;
    return JSON.parse(this.#inner.parseRedirect(text(href), json(options), this.#now(), false));
  }

  /**
   * A legacy implicit-flow redirect (`#access_token=...`): `{ type: "implicit", state, tokens }`.
   * @type {API["parseImplicitRedirect"]}
   */
  parseImplicitRedirect(url, options) {
    const href = typeof url === "string" ? url : url?.href;
    const r = JSON.parse(this.#inner.parseRedirect(text(href), json(options), this.#now(), true));
    r.tokens = tokenSet(r.tokens);
    return r;
  }

  /** The configuration with the secret redacted (also what console.log shows). @type {API["toJSON"]} */
  toJSON() {
    this.#described ??= JSON.parse(this.#inner.describe());
    return structuredClone(/** @type {ConstantContactOAuthDescription} */ (this.#described));
  }

  /** @type {API["free"]} */
  free() {
    this.#freed = true;
    this.#inner.free();
    this.#serverInner?.free();
    this.#make = undefined;
  }

  [Symbol.dispose]() {
    this.free();
  }

  /**
   * Sends a token request the module built, and reads the answer on the clock `now`.
   * @param {string} reqJson
   * @param {RequestOptions | undefined} options
   * @returns {Promise<ReceivedTokenSet>}
   */
  async #tokens(reqJson, options, now = () => this.#now()) {
    const req = JSON.parse(reqJson);
    const res = await send(this.#fetch ?? globalThis.fetch, req, options, RULES.timeoutMs);
    return tokenSetFrom(this.#inner.tokenResponse(res.status, res.retryAfter, res.body, now(), req.context));
  }

  /**
   * Exchanges an authorization code: Basic auth for a confidential client, client_id + code_verifier for
   * a public one. Pass the `scopes` authorizationUrl() returned so the answer is read against them.
   * @type {API["exchangeCode"]}
   */
  async exchangeCode(code, options) {
    return this.#tokens(this.#inner.exchangeRequest(text(code), json(options)), options);
  }

  /**
   * Refreshes; takes a refresh token or a token set. A rotated refresh token replaces the old one.
   * @type {API["refresh"]}
   */
  async refresh(refreshTokenOrTokens, options) {
    const rt = isTokenSet(refreshTokenOrTokens) ? refreshTokenOrTokens.refreshToken : refreshTokenOrTokens;
    return this.#tokens(this.#inner.refreshRequest(text(rt), json(options)), options);
  }

  /** @type {API["startDeviceAuthorization"]} */
  async startDeviceAuthorization(options) {
    const inner = await this.#server();
    const req = JSON.parse(inner.deviceStartRequest(json(options)));
    const res = await send(this.#fetch ?? globalThis.fetch, req, options, RULES.timeoutMs);
    return JSON.parse(inner.deviceStartResponse(res.status, res.retryAfter, res.body, this.#now(), req.context));
  }

  /**
   * One poll, no waiting: `{ status: "pending" | "slow_down" | "complete", interval, nextPollAt, tokens? }`.
   * Poll again with `{ ...device, interval }` from `nextPollAt` on (a Worker can store both and schedule
   * the next step with a Durable Object alarm). Refused without a request once the device code expired.
   * @type {API["pollDeviceAuthorizationOnce"]}
   */
  async pollDeviceAuthorizationOnce(device, options) {
    const inner = await this.#server();
    const req = JSON.parse(inner.devicePollRequest(json(device), json(options), this.#now()));
    const res = await send(this.#fetch ?? globalThis.fetch, req, options, RULES.timeoutMs);
    const step = JSON.parse(inner.devicePollResponse(res.status, res.retryAfter, res.body, this.#now(), req.context));
    if (step.tokens) step.tokens = tokenSet(step.tokens);
    return step;
  }

  /**
   * Polls until the user approves: waits `interval`, slower after slow_down, stops at expiry, honours `signal`.
   * @type {API["pollDeviceAuthorization"]}
   */
  async pollDeviceAuthorization(device, options) {
    JSON.parse(glue.__checkOptions("DevicePollOptions", json(options)));
    const { onPending, ...rest } = options ?? {};
    let current = { ...device };
    let wait = current.interval ?? 5;
    for (let attempts = 1; ; attempts++) {
      // Never past the expiry: the module refuses the poll there with expired_token, without a request.
      await sleep(Math.min(wait, current.expiresAt - this.#now()) * 1000, rest.signal);
      const step = await this.pollDeviceAuthorizationOnce(current, rest);
      // (A complete step has the tokens.)
      if (step.status === "complete") return /** @type {ReceivedTokenSet} */ (step.tokens);
      current = { ...current, interval: step.interval };
      wait = step.interval; // from this answer, not from a whole-second nextPollAt: intervals can be 1 s
      onPending?.({ status: step.status, interval: step.interval, attempts, expiresAt: current.expiresAt });
    }
  }

  /** Revokes a refresh (default) or access token. @type {API["revoke"]} */
  async revoke(token, tokenTypeHint = "refresh_token", options = {}) {
    const opts = { ...options, tokenTypeHint };
    const req = JSON.parse(this.#inner.revokeRequest(text(token), json(opts)));
    const res = await send(this.#fetch ?? globalThis.fetch, req, options, RULES.timeoutMs);
    this.#inner.revokeResponse(res.status, res.retryAfter, res.body);
  }

  /**
   * The key set at `url` (cached for the process), fetched when older than the rules allow, or when `refetch`.
   * @param {any} inner this client in the server module's bindings
   * @param {string} url
   * @param {number} now
   * @param {RequestOptions} options
   * @param {boolean} refetch
   * @returns {Promise<KeySet>}
   */
  async #keySet(inner, url, now, options, refetch) {
    let set = keySets.get(url);
    if (!set || refetch || now - set.fetchedAt > RULES.jwksMaxAgeSeconds) {
      const req = { url, method: "GET", headers: { accept: "application/json" } };
      const res = await send(this.#fetch ?? globalThis.fetch, req, options, RULES.timeoutMs);
      const keys = JSON.parse(inner.keySetResponse(res.status, res.retryAfter, res.body));
      set = /** @type {KeySet} */ ({ fetchedAt: now, keys });
      set.imported = new Map();
      keySets.set(url, set);
    }
    return set;
  }

  /**
   * Verifies an access token: RS256 signature by WebCrypto with the key set's key for its kid (cached;
   * fetched again once on an unknown kid), then iss, aud, exp (with `clockToleranceSeconds`), cid and
   * `requiredScopes`. The module decodes the token once and judges its claims; they are reported only if
   * the signature verified.
   * @type {API["verifyAccessToken"]}
   */
  async verifyAccessToken(token, options = {}) {
    const t = text(token);
    const inner = await this.#server();
    const [keyId, signedLength, signature, claims, claimsError] = inner.verifyPrepare(t, json(options), this.#now());
    const url = this.toJSON().endpoints.jwks;
    // An explicit `now` drives every time decision of the call: the claims and the key set's age.
    const now = options?.now === undefined ? this.#now() : seconds(() => options.now);
    let set = await this.#keySet(inner, url, now, options, false);
    if (set.keys[keyId] === undefined && now - set.fetchedAt > RULES.jwksCooldownSeconds) {
      set = await this.#keySet(inner, url, now, options, true);
    }
    const jwk = set.keys[keyId];
    if (jwk === undefined) throw raise("key_not_found");
    let key = set.imported.get(keyId);
    if (!key) set.imported.set(keyId, (key = await crypto.subtle.importKey("jwk", jwk, RSA, false, ["verify"])));
    // (verifyPrepare took only a string.)
    const signed = new TextEncoder().encode(/** @type {string} */ (t).slice(0, signedLength));
    if (!(await crypto.subtle.verify(RSA, key, signature, signed))) throw raise("signature_invalid");
    if (claimsError) throw claimsError;
    return JSON.parse(claims);
  }
}

for (const sym of INSPECT) {
  Object.defineProperty(ConstantContactOAuth.prototype, sym, {
    value() {
      return { ConstantContactOAuth: this.toJSON() };
    },
  });
}
