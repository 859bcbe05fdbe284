// ctct-oauth against the libraries users would pick instead (jose, jwt-decode, oauth4webapi), in one Node
// process, on Constant Contact-shaped inputs. Prints ns/op and ratios, load time, memory and sizes.
//   node bench/run.mjs            (after scripts/build.sh; `npm run bench` does both)
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import { build } from "esbuild";
import * as jose from "jose";
import { jwtDecode } from "jwt-decode";
import * as o from "oauth4webapi";
import * as ctct from "ctct-oauth";
import { makeCcToken } from "../tests/js/suite.mjs";
import { startRedis, startPostgres } from "../tests/js/services.mjs";
import { connect } from "../tests/js/store-clients.mjs";

const { token } = await makeCcToken();
const ENDPOINTS = ctct.ENDPOINTS;
const REDIRECT = "https://app.example.com/callback";
const CLIENT_ID = "0b3e6c62-6f1f-4b5e-9a55-8a5a2e2f7c11";

/** ns per call: the median of 7 timed rounds, each ~150 ms, after a warm-up. */
async function measure(fn) {
  const isAsync = fn() instanceof Promise;
  const round = async (n) => {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < n; i++) await fn();
    else for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t0) * 1e6) / n;
  };
  let n = 100;
  while ((await round(n)) * n < 50e6) n *= 2; // warm-up and sizing
  n = Math.max(1, Math.round(150e6 / (await round(n))));
  const times = [];
  for (let r = 0; r < 7; r++) times.push(await round(n));
  return times.sort((a, b) => a - b)[3];
}

const auth = new ctct.ConstantContactOAuth({
  clientId: CLIENT_ID,
  redirectUri: REDIRECT,
  scopes: ["contact_data", "campaign_data"],
});
const as = { issuer: ENDPOINTS.issuer, authorization_endpoint: ENDPOINTS.authorize, token_endpoint: ENDPOINTS.token };
const client = { client_id: CLIENT_ID };
const state = ctct.generateState();
const redirectUrl = `${REDIRECT}?code=Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s&state=${state}`;
const tokenBody = JSON.stringify({
  token_type: "Bearer",
  expires_in: 86400,
  access_token: token,
  scope: "contact_data campaign_data offline_access",
  refresh_token: "gcOERFBLqO1bqS2sFz8kLxM3h0pvS8aYp3kS1vYp3",
});
const cannedFetch = async () =>
  new Response(tokenBody, { status: 200, headers: { "content-type": "application/json" } });
const cannedAuth = new ctct.ConstantContactOAuth({ clientId: CLIENT_ID, redirectUri: REDIRECT, fetch: cannedFetch });
const verifier = ctct.createPkce().codeVerifier;

const cases = [
  [
    "reading expiry",
    {
      ours: () => ctct.tokenExpiresAt(token),
      "jose decodeJwt(t).exp": () => jose.decodeJwt(token).exp,
      "jwt-decode jwtDecode(t).exp": () => jwtDecode(token).exp,
    },
  ],
  ["full claims decode", { ours: () => ctct.decodeAccessToken(token), "jose decodeJwt": () => jose.decodeJwt(token) }],
  [
    "authorize URL with a fresh PKCE pair and state",
    {
      ours: () => auth.authorizationUrl(),
      "oauth4webapi (async)": async () => {
        const v = o.generateRandomCodeVerifier();
        const challenge = await o.calculatePKCECodeChallenge(v);
        const url = new URL(as.authorization_endpoint);
        url.searchParams.set("client_id", CLIENT_ID);
        url.searchParams.set("redirect_uri", REDIRECT);
        url.searchParams.set("response_type", "code");
        url.searchParams.set("scope", "contact_data campaign_data offline_access");
        url.searchParams.set("state", o.generateRandomState());
        url.searchParams.set("code_challenge", challenge);
        url.searchParams.set("code_challenge_method", "S256");
        return url.href;
      },
    },
  ],
  [
    "redirect parsing with state check",
    {
      ours: () => auth.parseRedirect(redirectUrl, { state }),
      "oauth4webapi validateAuthResponse": () => o.validateAuthResponse(as, client, new URL(redirectUrl), state),
    },
  ],
  [
    "code exchange: request built, canned Response processed",
    {
      ours: () => cannedAuth.exchangeCode("Wdvjb7a8T3Y4uSk_8XW1nQ9z2bPvLqK-0s", { codeVerifier: verifier }),
      "oauth4webapi grant request + processAuthorizationCodeResponse": async () => {
        const params = o.validateAuthResponse(as, client, new URL(redirectUrl), state);
        const res = await o.authorizationCodeGrantRequest(as, client, o.None(), params, REDIRECT, verifier, {
          [o.customFetch]: cannedFetch,
        });
        return o.processAuthorizationCodeResponse(as, client, res);
      },
    },
  ],
];

// Sessions: accessToken() when nothing is due (the hot path: two numbers compared) and when a refresh is
// due on every call (a clock two days further each time; the token endpoint a canned answer), with each
// store, in this one process: the refresh-due cost is the store's own (lease, reads, compare-and-set, the
// lane's stamp), so the lane's gap is set to 1 ms here (tokenRequestsPerSecond: 1000) instead of 1 s.
const [redisServer, pgServer] = await Promise.all([startRedis(), startPostgres()]);
const backends = {
  "node-redis": await connect("node-redis", redisServer.url),
  ioredis: await connect("ioredis", redisServer.url),
  pg: await connect("pg", pgServer.url),
};
const sessionCase = (dueEveryCall) => {
  const impls = {};
  const stores = {
    "memoryStore()": () => ctct.memoryStore(),
    ...Object.fromEntries(
      Object.entries(backends).map(([k, b]) => [
        `${k} store`,
        () => b.store(`bench:${k}:${dueEveryCall}:${Date.now()}`),
      ]),
    ),
  };
  for (const [name, makeStore] of Object.entries(stores)) {
    let days = 0;
    const clock = () => Date.now() / 1000 + days * 86_400;
    const refreshing = new ctct.ConstantContactOAuth({
      clientId: CLIENT_ID,
      clientSecret: "bench-secret-123",
      fetch: cannedFetch,
      clock,
    });
    const session = refreshing.session({ store: makeStore(), tokenRequestsPerSecond: 1000, refreshMarginSeconds: 0 });
    let ready;
    impls[name] = async () => {
      ready ??= session.setTokens({
        accessToken: token,
        refreshToken: "gcOERFBLqO1bqS2sFz8kLxM3h0pvS8aYp3kS1vYp3",
        expiresAt: Math.floor(clock()) + 3600,
      });
      await ready;
      if (dueEveryCall) days += 2;
      return session.accessToken();
    };
  }
  return impls;
};
cases.push(["session.accessToken(), nothing due", sessionCase(false)]);
cases.push(["session.accessToken(), a refresh due on every call", sessionCase(true)]);

const results = [];
for (const [name, impls] of cases) {
  const row = { name, ns: {} };
  for (const [impl, fn] of Object.entries(impls)) row.ns[impl] = await measure(fn);
  results.push(row);
}
for (const b of Object.values(backends)) await b.close();
await redisServer.dispose();
await pgServer.dispose();

// Module load + instantiation in fresh processes: median of 21.
const loadMs = (code) => {
  const runs = [];
  for (let i = 0; i < 21; i++)
    runs.push(
      Number(
        execFileSync(process.execPath, ["--input-type=module", "-e", code], {
          cwd: new URL("..", import.meta.url),
        }).toString(),
      ),
    );
  return runs.sort((a, b) => a - b)[10];
};
const load = {
  "ctct-oauth (import)": loadMs(
    'const t=performance.now(); await import("ctct-oauth"); console.log(performance.now()-t)',
  ),
  "ctct-oauth (require)": loadMs(
    'import { createRequire } from "node:module"; const r = createRequire(import.meta.url); ' +
      'const t=performance.now(); r("ctct-oauth"); console.log(performance.now()-t)',
  ),
  jose: loadMs('const t=performance.now(); await import("jose"); console.log(performance.now()-t)'),
  oauth4webapi: loadMs('const t=performance.now(); await import("oauth4webapi"); console.log(performance.now()-t)'),
};

// Memory after 1,000,000 decodes: Node counts the wasm linear memory in `external` (checked: a 2 MB input
// grows it by ~4 MB); it must not grow.
const ab = () => process.memoryUsage().external;
for (let i = 0; i < 10_000; i++) ctct.decodeAccessToken(token);
const before = ab();
for (let i = 0; i < 1_000_000; i++) ctct.decodeAccessToken(token);
const memory = { before, after: ab() };

// Sizes: ours per target, and the peers' functions we replace, bundled and minified by esbuild.
const ours = JSON.parse(
  execFileSync(process.execPath, ["scripts/size.mjs", "--json"], {
    cwd: new URL("..", import.meta.url),
    stdio: ["ignore", "pipe", "ignore"],
  }).toString(),
);
const peer = async (contents) => {
  const out = await build({
    stdin: { contents, resolveDir: new URL(".", import.meta.url).pathname },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  const bytes = out.outputFiles[0].contents;
  return {
    raw: bytes.length,
    gzip: execFileSync("gzip", ["-9", "-n", "-c"], { input: bytes }).length,
    brotli: brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const peers = {
  "jose (decodeJwt, jwtVerify, createRemoteJWKSet)": await peer(
    'export { decodeJwt, jwtVerify, createRemoteJWKSet } from "jose";',
  ),
  "jwt-decode": await peer('export { jwtDecode } from "jwt-decode";'),
  "oauth4webapi (PKCE, state, callback, code/refresh/device grants, revocation)": await peer(
    `export { ${[
      "generateRandomCodeVerifier",
      "calculatePKCECodeChallenge",
      "generateRandomState",
      "validateAuthResponse",
      "authorizationCodeGrantRequest",
      "processAuthorizationCodeResponse",
      "refreshTokenGrantRequest",
      "processRefreshTokenResponse",
      "deviceAuthorizationRequest",
      "processDeviceAuthorizationResponse",
      "deviceCodeGrantRequest",
      "processDeviceCodeResponse",
      "revocationRequest",
      "processRevocationResponse",
    ].join(", ")} } from "oauth4webapi";`,
  ),
};

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ results, load, memory, ours, peers }, null, 2));
} else {
  const f = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  console.log(`Node ${process.version}, ${process.arch}; token ${token.length} chars\n`);
  console.log("| operation | implementation | time/op | ours is × faster |\n|---|---|---|---|");
  for (const r of results.filter((x) => "ours" in x.ns)) {
    const ourNs = r.ns.ours;
    for (const [impl, ns] of Object.entries(r.ns))
      console.log(`| ${r.name} | ${impl} | ${f(ns)} | ${impl === "ours" ? "" : (ns / ourNs).toFixed(2)} |`);
  }
  console.log("\n| session | store | time/op | × memoryStore() |\n|---|---|---|---|");
  for (const r of results.filter((x) => "memoryStore()" in x.ns)) {
    const base = r.ns["memoryStore()"];
    for (const [impl, ns] of Object.entries(r.ns))
      console.log(`| ${r.name} | ${impl} | ${f(ns)} | ${(ns / base).toFixed(2)} |`);
  }
  console.log("\n| module load + instantiation (median of 21 fresh processes) | ms |\n|---|---|");
  for (const [k, v] of Object.entries(load)) console.log(`| ${k} | ${v.toFixed(2)} |`);
  // Linear memory grows in 64 KiB pages, so a change below one page is JS-side bookkeeping, not the module.
  const grown = memory.after - memory.before;
  const verdict =
    grown >= 65536
      ? `the module grew by ${Math.floor(grown / 65536)} page(s)`
      : "no wasm page added (a page is 65,536 B)";
  console.log(
    "\nExternal memory (the wasm linear memory included) around 1,000,000 decodes: " +
      `${memory.before} B before, ${memory.after} B after: ${verdict}.`,
  );
  console.log("\n| shipped size | raw | gzip -9 | brotli |\n|---|---|---|---|");
  for (const r of ours)
    console.log(`| ours: ${r.target} (wasm + JS) | ${r.total.raw} | ${r.total.gzip} | ${r.total.brotli} |`);
  for (const [k, v] of Object.entries(peers))
    console.log(`| ${k}, esbuild --minify | ${v.raw} | ${v.gzip} | ${v.brotli} |`);
}
