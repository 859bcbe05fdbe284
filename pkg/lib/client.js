// The I/O of ConstantContactOAuth: fetch, timeouts, aborts, waiting between device polls, and
// WebCrypto. Every protocol decision is made in the wasm module, which builds each request's exact
// bytes and reads each response (this file never looks inside a body). Kept in JS because awaiting
// promises from Rust measured a third of the size budget.

const DEFAULT_TIMEOUT_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60_000; // refetch the key set at most this often...
const JWKS_COOLDOWN_MS = 30_000; // ...or on an unknown kid, if the copy is older than this
const INSPECT = [Symbol.for("nodejs.util.inspect.custom"), Symbol.for("Deno.customInspect")];

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
const tokenSet = (raw) => Object.assign(Object.create(TOKEN_SET), raw);
const nowSecs = () => Math.floor(Date.now() / 1000);

/** Per key-set URL, across clients: { fetchedAt, text, keys: parsed keys, imported: CryptoKey per index }. */
const jwksCache = new Map();

export function installClient(glue) {
  const proto = glue.ConstantContactOAuth.prototype;

  /** Sends a request the module built; resolves to { status, retryAfter, body } or throws a typed error. */
  async function send(auth, req, options = {}) {
    const fetchFn = auth.__fetch() ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw glue.__error("no_fetch");
    const signal = options.signal;
    if (signal?.aborted) throw glue.__error("aborted");
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
    const onAbort = () => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Only the headers the module chose: never a forwarded Origin, no cache/redirect options Workers reject.
      const res = await fetchFn(req.url, { method: req.method ?? "POST", headers: req.headers, body: req.body, signal: controller.signal });
      const body = await res.text();
      return { status: res.status, retryAfter: res.headers.get("retry-after") ?? undefined, body };
    } catch (cause) {
      const e = glue.__error(timedOut ? "timeout" : signal?.aborted ? "aborted" : "network");
      if (!timedOut && !signal?.aborted) Object.defineProperty(e, "cause", { value: cause, enumerable: false });
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Waits ms, or rejects with `aborted` when the signal fires. */
  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(glue.__error("aborted"));
      const onAbort = () => {
        clearTimeout(t);
        reject(glue.__error("aborted"));
      };
      const t = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  async function tokenCall(auth, kind, value, options, previousRefreshToken) {
    const req = auth.__request(kind, value, options);
    const res = await send(auth, req, options);
    return tokenSet(auth.__tokenResponse(res.status, res.retryAfter, res.body, previousRefreshToken));
  }

  Object.assign(proto, {
    /** Exchanges an authorization code: Basic auth for a confidential client, client_id + code_verifier for a public one. */
    exchangeCode(code, options = {}) {
      return tokenCall(this, "authorization_code", code, options, undefined);
    },

    /** Refreshes; takes a refresh token or a token set. A rotated refresh token replaces the old one, which then stops working. */
    refresh(refreshTokenOrTokens, options = {}) {
      const rt = typeof refreshTokenOrTokens === "object" && refreshTokenOrTokens !== null ? refreshTokenOrTokens.refreshToken : refreshTokenOrTokens;
      return tokenCall(this, "refresh_token", rt, options, typeof rt === "string" ? rt : undefined);
    },

    async startDeviceAuthorization(options = {}) {
      const req = this.__request("device_authorization", undefined, options);
      const res = await send(this, req, options);
      return this.__deviceStartResponse(res.status, res.retryAfter, res.body);
    },

    /**
     * One poll, no waiting: `{ status: "pending" | "slow_down" | "complete", interval, tokens? }`. Pass the
     * returned interval back (`{ ...device, interval }`) for the next step; a Worker can store it and
     * schedule the next step with a Durable Object alarm.
     */
    async pollDeviceAuthorizationOnce(device, options = {}) {
      if (typeof device?.expiresAt === "number" && nowSecs() >= device.expiresAt) throw glue.__error("expired_token");
      const req = this.__request("device_code", device?.deviceCode, options);
      const res = await send(this, req, options);
      const step = this.__devicePollResponse(res.status, res.retryAfter, res.body);
      const interval = (device.interval ?? 5) + (step.status === "slow_down" ? 5 : 0);
      return step.tokens ? { status: step.status, interval, tokens: tokenSet(step.tokens) } : { status: step.status, interval };
    },

    /** Polls until the user approves: waits `interval`, adds 5 s on slow_down, stops at expiry, honours `signal`. */
    async pollDeviceAuthorization(device, options = {}) {
      const { onPending, ...rest } = options;
      let current = { ...device };
      for (let attempts = 1; ; attempts++) {
        const left = (current.expiresAt - nowSecs()) * 1000;
        if (left <= 0) throw glue.__error("expired_token");
        await sleep(Math.min(current.interval * 1000, left), options.signal);
        const step = await this.pollDeviceAuthorizationOnce(current, rest);
        if (step.status === "complete") return step.tokens;
        current = { ...current, interval: step.interval };
        onPending?.({ status: step.status, interval: step.interval, attempts, expiresAt: current.expiresAt });
      }
    },

    /** Revokes a refresh (default) or access token at the revocation endpoint. */
    async revoke(token, tokenTypeHint = "refresh_token", options = {}) {
      const req = this.__revocationRequest(token, tokenTypeHint, options);
      const res = await send(this, req, options);
      this.__revocationResponse(res.status, res.retryAfter, res.body);
    },

    /**
     * Verifies an access token: RS256 signature by WebCrypto with the key set's key for its kid (cached;
     * refetched once on an unknown kid), then iss, aud, exp (with leeway), cid and optional requiredScopes.
     */
    async verifyAccessToken(token, options = {}) {
      const prep = this.__verifyPrepare(token);
      const url = this.__endpoint("jwks");
      // An explicit `now` drives every time decision of the call: the claims and the key set's age.
      const { now } = options;
      const clock = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : now * 1000;
      const load = async () => {
        const res = await send(this, { url, method: "GET", headers: { accept: "application/json" } }, options);
        this.__jwksResponse(res.status, res.retryAfter, res.body);
        const entry = { fetchedAt: clock, text: res.body, keys: JSON.parse(res.body).keys, imported: [] };
        jwksCache.set(url, entry);
        return entry;
      };
      let entry = jwksCache.get(url);
      if (!entry || clock - entry.fetchedAt > JWKS_MAX_AGE_MS) entry = await load();
      let index = this.__selectKey(entry.text, prep.kid);
      if (index === undefined && clock - entry.fetchedAt > JWKS_COOLDOWN_MS) {
        entry = await load();
        index = this.__selectKey(entry.text, prep.kid);
      }
      if (index === undefined) throw glue.__error("key_not_found");
      const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
      entry.imported[index] ??= await crypto.subtle.importKey("jwk", entry.keys[index], alg, false, ["verify"]);
      if (!(await crypto.subtle.verify(alg, entry.imported[index], prep.signature, prep.input))) throw glue.__error("signature_invalid");
      const { timeoutMs: _t, signal: _s, ...claimOptions } = options;
      return this.__verifyClaims(token, claimOptions);
    },
  });
}
