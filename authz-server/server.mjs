// A local authorization server that behaves like Constant Contact's (Okta-backed) one, for the demo and the tests:
// nothing here needs an account or the internet. Built on oidc-provider. ./README.md says what it reproduces, each
// switch with its evidence marker, and which module of this folder does what; docs/constant-contact.md holds the
// evidence for Constant Contact's behaviour.
//
//   node authz-server/server.mjs [--port N] [--trusted-origin URL ...] [--single-origin] [--json]   (./cli.mjs)
//   import { startAuthServer } from "./authz-server/server.mjs"; const s = await startAuthServer({ port: 0 });
//
// This file starts one server: the listening sockets, the signing key, the state the modules share, and the
// middleware that sends each request to the admin routes, a fault, the API stub or CC's routes.
import { createServer } from "node:http";
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import * as jose from "jose";
import { createMapAdapter, createTokenLocks } from "./adapter.mjs";
import { createLedger, tokenHash } from "./ledger.mjs";
import { AFTER_KINDS, FAULT_AT, faultAfter, injectFault, takeFault as pickFault } from "./faults.mjs";
import { seedGrant } from "./seed.mjs";
import { AUDIENCE, CC_SCOPES, CLIENTS, IDENTITY_ADDRESS, OKTA_SERVER_ID, PATHS } from "./constant-contact.mjs";
import { DEFAULT_SWITCHES, checkSwitches } from "./switches.mjs";
import { createProvider } from "./provider-setup.mjs";
import { createRules } from "./rules.mjs";
import { createRoutes } from "./routes.mjs";
import { createAdmin } from "./admin.mjs";
import { createApiStub } from "./api-stub.mjs";
import { basicClientId } from "./requests.mjs";
import { main, parseArgs } from "./cli.mjs";

export { tokenHash, parseArgs, CLIENTS, AUDIENCE, CC_SCOPES, IDENTITY_ADDRESS, OKTA_SERVER_ID };
export { KNOWN_SCOPES } from "./constant-contact.mjs";
export { OKTA_TEXTS } from "./okta.mjs";

/**
 * Starts the server on 127.0.0.1 (the endpoints) and 127.0.0.2 (issuer and key set), on one port. Options: port
 * (0 = a free one), singleOrigin (everything on 127.0.0.1, as before), redirectUris (added to the three redirect
 * clients), corsOrigins (the old name of trustedOrigins, added to it), deviceCodeTtl and codeTtl (seconds), plus
 * any of DEFAULT_SWITCHES (trustedOrigins among them). Resolves to { issuer, origin, identityOrigin, port,
 * endpoints, clients, stats, switches, close, ... }.
 */
export async function startAuthServer(options = {}) {
  // corsOrigins: the old name of trustedOrigins.
  const trusted = [...(options.trustedOrigins ?? []), ...(options.corsOrigins ?? [])];
  const configured = checkSwitches(
    { ...options, trustedOrigins: trusted.length ? trusted : undefined },
    { only: true },
  );
  // Copies: a fault's `times` counts down in place, and a reset must start from the configured values again.
  const initialSwitches = () => structuredClone({ ...DEFAULT_SWITCHES, ...configured });
  const switches = initialSwitches();
  const stats = {
    requests: 0,
    faults: 0,
    token: 0,
    tokenByGrant: {},
    deviceAuthorize: 0,
    revoke: 0,
    introspect: 0,
    keys: 0,
    api: 0,
    authorize: 0,
    tokenTimes: [], // when each refresh request arrived (ms): pacing tests read the gaps
  };
  const singleOrigin = options.singleOrigin === true;
  const { servers, port } = await listenAll(options.port ?? 0, singleOrigin ? [] : [IDENTITY_ADDRESS]);
  const origin = `http://127.0.0.1:${port}`;
  // CC: tokens name https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8 as iss and its key set
  // lives under that name, while every endpoint is on authz.constantcontact.com/oauth2/default.
  const identityOrigin = singleOrigin ? origin : `http://${IDENTITY_ADDRESS}:${port}`;
  const issuer = singleOrigin ? `${origin}/oauth2/default` : `${identityOrigin}/oauth2/${OKTA_SERVER_ID}`;
  const jwksPath = `${new URL(issuer).pathname}/v1/keys`;
  const FAULT_PATHS = { token: PATHS.token, keys: jwksPath, revoke: PATHS.revoke, device: PATHS.device, api: "/v3/" };
  /** Whether the host a request came to serves this path: the identity host only the key set, and back. */
  const hostServes = (ctx, path) =>
    singleOrigin || (ctx.req.socket.localAddress === IDENTITY_ADDRESS) === (path === jwksPath);
  const redirectUris = [
    ...new Set([
      `http://127.0.0.1:8080/www/`,
      `http://localhost:8080/www/`,
      `${origin}/callback`,
      ...(options.redirectUris ?? []),
    ]),
  ];
  const endpoints = {
    authorize: `${origin}${PATHS.authorize}`,
    token: `${origin}${PATHS.token}`,
    deviceAuthorize: `${origin}${PATHS.device}`,
    revoke: `${origin}${PATHS.revoke}`,
    jwks: `${identityOrigin}${jwksPath}`,
    issuer,
    audience: AUDIENCE,
    apiBase: `${origin}/v3`,
  };

  // Not generateKeyPairSync: on Node 20 its job is freed by the GC, which can then run inside the export below
  // (same thread, the key's mutex held) and deadlock: now and then a start never finished (seen with gdb).
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: "cc-local-1", alg: "RS256", use: "sig" };
  const publicJwk = {
    kty: signingJwk.kty,
    n: signingJwk.n,
    e: signingJwk.e,
    kid: signingJwk.kid,
    alg: "RS256",
    use: "sig",
  };
  const publicKey = await jose.importJWK(publicJwk, "RS256");
  const verifyAccessJwt = async (token) => {
    const { payload } = await jose.jwtVerify(token, publicKey, { issuer, audience: AUDIENCE, algorithms: ["RS256"] });
    return payload;
  };

  // What the modules share. The maps: refresh token -> { issuedAt, lastUsed, cid, sub, ... } (rules.mjs), client
  // id -> ms of its last token request (the 1 request/s limit), device_code -> ms of its last poll (slow_down).
  const state = {
    switches,
    stats,
    origin,
    jwksPath,
    endpoints,
    redirectUris,
    revokedJti: new Set(),
    refreshTokens: new Map(),
    lastTokenCall: new Map(),
    lastDevicePoll: new Map(),
    provider: null,
  };
  const rules = createRules(state);
  const Adapter = createMapAdapter();
  // Requests presenting one refresh token are handled one after another (adapter.mjs says why).
  const oneAtATime = createTokenLocks();
  const provider = createProvider({ issuer, jwksPath, redirectUris, signingJwk, adapter: Adapter, rules, options });
  state.provider = provider;
  const ledger = createLedger({
    provider,
    paths: { token: PATHS.token, revoke: PATHS.revoke },
    clientIdOf: (ctx, form) => basicClientId(ctx.get("authorization")) || form.get("client_id") || null,
  });

  /**
   * An account signed in without the pages (seed.mjs): a grant and a rotating (or, for the long-lived client,
   * static) refresh token, with an entry of type "seed" in the ledger. Resolves to { refreshToken, grantId,
   * clientId, sub }.
   */
  async function seed({ clientId = CLIENTS.confidential.id, sub, scope = "account_read contact_data" } = {}) {
    const out = await seedGrant(provider, { clientId, sub, scope, audience: AUDIENCE, ccScopes: CC_SCOPES });
    const now = rules.ruleNow();
    state.refreshTokens.set(out.refreshToken, { issuedAt: now, lastUsed: now, cid: clientId, sub });
    ledger.seeded({ clientId, sub, ...out });
    return { ...out, clientId, sub };
  }

  const { lastTokenCall, lastDevicePoll } = state;
  const admin = createAdmin({ port, stats, switches, initialSwitches, ledger, seed, lastTokenCall, lastDevicePoll });
  const api = createApiStub({ switches, stats, revokedJti: state.revokedJti, verifyAccessJwt });
  const { route, discovery } = createRoutes(state, rules, verifyAccessJwt);

  /** The next fault for this path (faults.mjs), counted down; null when none applies. */
  function takeFault(path) {
    const at = path.startsWith(FAULT_PATHS.api) ? "api" : FAULT_AT.find((a) => a !== "api" && FAULT_PATHS[a] === path);
    const f = pickFault(switches, at ?? null);
    if (f) stats.faults += 1;
    return f;
  }

  // ---- middleware before the provider's own routes ----
  provider.use(async (ctx, next) => {
    stats.requests += 1;
    const path = ctx.path;

    if (path.startsWith("/__admin/")) return admin(ctx);
    if (/^(\/oauth2\/[^/]+)?\/\.well-known\//.test(path)) return discovery(ctx, next);
    if (!hostServes(ctx, path)) {
      ctx.status = 404;
      ctx.body = { error: "not_found", error_description: `${ctx.host} does not serve ${path} (see endpoints)` };
      return;
    }
    // Nothing above waits, so ledger entries and fault decisions are made in arrival order.
    const entry = ledger.begin(ctx, path);
    const fault = takeFault(path);
    const faultEntry = fault ? ledger.fault(fault, entry) : null;
    const refreshToken = entry ? await ledger.readForm(ctx, entry) : null;
    const handle = () =>
      oneAtATime(refreshToken, async () => {
        await (path.startsWith("/v3/") ? api(ctx) : route(ctx, next));
        if (entry) await ledger.settle(ctx, entry);
      });
    if (fault && !AFTER_KINDS.includes(fault.kind)) {
      injectFault(ctx, fault);
      if (entry) ledger.settleFault(ctx, entry, fault);
      return;
    }
    if (fault) {
      await faultAfter(ctx, fault, handle);
      faultEntry.processed = entry ? entry.processed : true;
      return;
    }
    return handle();
  });

  // The reason behind a generic error (e.g. "refresh token not found"), for Okta's texts (okta.mjs).
  for (const event of ["grant.error", "device_authorization.error", "revocation.error", "introspection.error"]) {
    provider.on(event, (ctx, err) => {
      ctx.state.oidcError = err;
    });
  }
  // Koa's default logger, minus a client gone mid-answer: the premature closes that "slow-body" and "hang"
  // faults cause on purpose, and the reset of a client killed or timed out while the body was still coming.
  const clientGone = new Set(["ERR_STREAM_PREMATURE_CLOSE", "ECONNRESET", "EPIPE"]);
  provider.on("error", (err) => {
    if (!clientGone.has(err?.code) && err?.status !== 404 && !err?.expose) console.error(err);
  });
  const sockets = new Set();
  for (const server of servers) {
    server.on("request", provider.callback());
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
  }

  return {
    issuer,
    origin,
    identityOrigin,
    singleOrigin,
    port,
    endpoints,
    clients: CLIENTS,
    redirectUris,
    stats,
    switches,
    seed,
    /** The ledger's entries after seq `since` (default all), as GET /__admin/ledger gives them. */
    ledger: (since = 0) => ledger.entries(since),
    /** What the storage holds (adapter.mjs): { entries, grants, byModel }. */
    storage: () => Adapter.stats(),
    /** Mints an access token signed with the server's key (for verification tests). */
    signAccessToken: (claims) =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: signingJwk.kid }).sign(privateKey),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        Promise.all(servers.map((server) => new Promise((r) => server.close(r)))).then(() => resolve());
      }),
  };
}

/**
 * One HTTP server per address, all on the same port: 127.0.0.1 first (port 0 picks a free one), then the extra
 * addresses; a port taken on those is retried with another free one when the port was not given.
 */
async function listenAll(wanted, extra) {
  const listen = (server, port, host) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  for (let attempt = 1; ; attempt++) {
    const servers = [createServer()];
    await listen(servers[0], wanted, "127.0.0.1");
    const port = servers[0].address().port;
    try {
      for (const host of extra) {
        const server = createServer();
        await listen(server, port, host);
        servers.push(server);
      }
      return { servers, port };
    } catch (e) {
      await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
      if (e.code !== "EADDRINUSE" || wanted !== 0 || attempt === 5) throw e;
    }
  }
}

// `node authz-server/server.mjs --port 4455` (cli.mjs).
if (import.meta.url === `file://${process.argv[1]}`) await main(startAuthServer);
