// The authorization server's record of what it was asked and what it did, for a checker to hold a cluster of
// clients to: every token-endpoint request and every revocation request (POST), for every client, in arrival
// order, with what each one spent and issued (also when a fault kept the answer from the client), and every fault
// injected. Tokens appear only as tokenHash(value), the function a checker applies to what it finds in a store.
// GET /__admin/ledger[?since=N] and server.ledger(since) give copies of the entries; POST /__admin/reset empties it.
//
// One sequence (seq, from 1) numbers every kind of entry in arrival order; `at` is the arrival, in ms since 1970.
//
// A token entry: { seq, type: "token", at, clientId, grant, presented, status, error, reuse, issued, processed,
//   fault, delivered, complete, answeredAt }
// - clientId: from Basic auth, else the form's client_id; null if neither.
// - grant: "refresh_token" | "authorization_code" | "device_code" (the device grant's URN) | another grant_type as
//   sent | null.
// - presented: tokenHash of the refresh token sent with a refresh_token grant, else null.
// - status: the HTTP status of the answer the server made, also when a fault applied after processing then kept it
//   from the client; for a fault answered instead, the fault's status line (200 for "reset", null for "hang").
// - error: the answer's OAuth `error` ("invalid_grant", "rate_limited", ...), or null.
// - reuse: a 200 answer had already accepted this refresh token (a replay; or a long-lived client's static refresh
//   token, legitimately used again).
// - issued: of a 200 answer, { refreshToken: tokenHash (null when none was issued), accessJti, sub, grantId }; else
//   null.
// - processed: the request reached oidc-provider, which did (or refused) what it asked; false when it was refused
//   before (the 1 request/s limit, CC's refresh-token expiry, slow_down, an unknown scope) or a fault answered
//   instead.
// - fault: the injected kind, or null. delivered: the whole answer was written to the connection (false for
//   "hang", "reset", "hang-after", "reset-after", and for one still being sent). complete: the server has settled
//   status, error and issued (false only while it works). answeredAt: when it settled them (ms), or null.
// A revocation entry: { seq, type: "revocation", at, clientId, token, tokenTypeHint, tokenKind, grantId, status,
//   error, processed, fault, delivered, complete, answeredAt }
// - token: tokenHash of the token sent. tokenTypeHint: as sent, or null.
// - tokenKind: "refresh_token" (one the server held at arrival: its whole grant is revoked with it) |
//   "access_token" (a JWT; its jti joins the deny list) | "unknown". grantId: that refresh token's grant, else null.
// A seed entry (server.seed(), POST /__admin/seed: an account signed in without the pages): { seq, type: "seed",
//   at, clientId, issued: { refreshToken, accessJti: null, sub, grantId } }
// A fault entry: { seq, type: "fault", at, kind, endpoint, request, processed }
// - endpoint: "token" | "keys" | "revoke" | "device" | "api". request: the seq of the token or revocation entry it
//   hit, else null. processed: whether the request was processed before the fault (false for the kinds answered
//   instead; for those applied after, as the request's entry says).
import { createHash } from "node:crypto";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** A stable short name for a token: the first 16 hex digits of its SHA-256 (null for no token). */
export function tokenHash(token) {
  if (typeof token !== "string" || token === "") return null;
  return createHash("sha256").update(token).digest("hex").slice(0, 16);
}

const isJwt = (token) => token.split(".").length === 3;
const bodyOf = (ctx) => (ctx.body && typeof ctx.body === "object" && !Buffer.isBuffer(ctx.body) ? ctx.body : {});
const claimsOf = (jwt) => {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
  } catch {
    return {};
  }
};

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The ledger of one server. `provider`: its oidc-provider (to look refresh tokens up); `paths`: { token, revoke };
 * `clientIdOf(ctx, form)`: the client a request names.
 */
export function createLedger({ provider, paths, clientIdOf }) {
  let seq = 0;
  let entries = [];
  // Refresh tokens (hashes) a 200 answer has accepted: kept across clear(), as the server's tokens outlive it.
  const accepted = new Set();
  const add = (entry) => {
    const e = { seq: ++seq, ...entry };
    entries.push(e);
    return e;
  };

  return {
    /** A new entry for a token or revocation POST, at its arrival (null for any other request). */
    begin(ctx, path) {
      if (ctx.method !== "POST" || (path !== paths.token && path !== paths.revoke)) return null;
      const common = { at: Date.now(), clientId: null };
      const entry =
        path === paths.token
          ? add({ type: "token", ...common, grant: null, presented: null })
          : add({ type: "revocation", ...common, token: null, tokenTypeHint: null, tokenKind: null, grantId: null });
      Object.assign(entry, { status: null, error: null });
      if (entry.type === "token") Object.assign(entry, { reuse: false, issued: null });
      Object.assign(entry, { processed: false, fault: null, delivered: false, complete: false, answeredAt: null });
      ctx.res.once("finish", () => (entry.delivered = true));
      ctx.state.ledgerEntry = entry; // the routes mark it processed when it reaches oidc-provider
      return entry;
    },

    /** A fault injected into a request (its entry, or null for an endpoint without entries). */
    fault(fault, entry) {
      if (entry) entry.fault = fault.kind;
      const request = entry?.seq ?? null;
      return add({ type: "fault", at: Date.now(), kind: fault.kind, endpoint: fault.at, request, processed: false });
    },

    /**
     * Reads the request's form into the entry (and into req.body, which oidc-provider falls back to); resolves to
     * the refresh token a refresh_token grant presents, else null.
     */
    async readForm(ctx, entry) {
      const raw = await readBody(ctx.req);
      ctx.req.body = raw;
      const form = new URLSearchParams(raw);
      entry.clientId = clientIdOf(ctx, form);
      if (entry.type === "revocation") {
        const token = form.get("token") ?? "";
        const held = token && !isJwt(token) ? await provider.RefreshToken.find(token) : null;
        entry.token = tokenHash(token);
        entry.tokenTypeHint = form.get("token_type_hint");
        entry.tokenKind = held ? "refresh_token" : token && isJwt(token) ? "access_token" : "unknown";
        entry.grantId = held?.grantId ?? null;
        return null;
      }
      const grant = form.get("grant_type");
      entry.grant = grant === DEVICE_GRANT ? "device_code" : grant;
      const refreshToken = grant === "refresh_token" ? form.get("refresh_token") || null : null;
      entry.presented = tokenHash(refreshToken);
      return refreshToken;
    },

    /** The server's answer, into the entry (before a fault applied after processing changes what is sent). */
    async settle(ctx, entry) {
      const body = bodyOf(ctx);
      Object.assign(entry, { status: ctx.status, error: typeof body.error === "string" ? body.error : null });
      if (entry.type === "token") {
        const accepting = entry.grant === "refresh_token" && ctx.status === 200;
        entry.reuse = entry.presented !== null && accepted.has(entry.presented);
        if (accepting) accepted.add(entry.presented);
        if (ctx.status === 200 && typeof body.access_token === "string") {
          const claims = claimsOf(body.access_token);
          const refresh = typeof body.refresh_token === "string" ? body.refresh_token : null;
          const held = refresh ? await provider.RefreshToken.find(refresh, { ignoreExpiration: true }) : null;
          entry.issued = {
            refreshToken: tokenHash(refresh),
            accessJti: claims.jti ?? null,
            sub: claims.sub ?? null,
            grantId: held?.grantId ?? ctx.oidc?.entities?.Grant?.jti ?? null,
          };
        }
      }
      Object.assign(entry, { complete: true, answeredAt: Date.now() });
    },

    /** A fault answered instead of the request: its status line and error; nothing was processed. */
    settleFault(ctx, entry, fault) {
      const body = bodyOf(ctx);
      const status = fault.kind === "hang" ? null : fault.kind === "reset" ? 200 : ctx.status;
      Object.assign(entry, { status, error: typeof body.error === "string" ? body.error : null });
      if (entry.type === "token") entry.reuse = entry.presented !== null && accepted.has(entry.presented);
      Object.assign(entry, { complete: true, answeredAt: Date.now() });
    },

    /** An account made without the pages (server.seed): its first refresh token, as if a sign-in issued it. */
    seeded({ clientId, sub, refreshToken, grantId }) {
      const issued = { refreshToken: tokenHash(refreshToken), accessJti: null, sub, grantId };
      return add({ type: "seed", at: Date.now(), clientId, issued });
    },

    /** Copies of the entries with seq > since. */
    entries: (since = 0) => entries.filter((e) => e.seq > since).map((e) => structuredClone(e)),

    /** Empties the ledger; seq starts at 1 again. */
    clear() {
      entries = [];
      seq = 0;
    },
  };
}
