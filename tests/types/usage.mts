// Type-level tests of pkg/index.d.ts: what must compile does, and each @ts-expect-error line must fail
// to compile (tsc reports an unused @ts-expect-error as an error).
import {
  ConstantContactOAuth,
  CtctOAuthError,
  ENDPOINTS,
  SCOPES,
  createPkce,
  generateState,
  decodeAccessToken,
  tokenExpiresAt,
  isExpired,
  type AccessTokenClaims,
  type TokenSet,
  type CodeRedirect,
  type ErrorCode,
  memoryStore,
  webStorageStore,
  type TokenSession,
  brokerSession,
  TokenBroker,
} from "ctct-oauth";

const token: string = ENDPOINTS.token;
const scopes: readonly string[] = SCOPES;
// @ts-expect-error the constants are read-only
ENDPOINTS.token = "x";

const p = createPkce();
const method: "S256" = p.codeChallengeMethod;
const state: string = generateState();

const auth = new ConstantContactOAuth({
  clientId: "id",
  redirectUri: "https://a.example/cb",
  scopes: ["contact_data", "billing_data"],
  endpoints: { token },
});
// @ts-expect-error clientId is required
new ConstantContactOAuth({ redirectUri: "https://a.example/cb" });
// @ts-expect-error options are camelCase
new ConstantContactOAuth({ client_id: "id" });

const req = auth.authorizationUrl({ pkce: true, prompt: "login" });
const url: string = req.url;
const r: CodeRedirect = auth.parseRedirect(new URL(url), { state: req.state });
const code: string = r.code;
const implicit: TokenSet = auth.parseImplicitRedirect(url, { state: req.state }).tokens;
auth.parseRedirect(url, { skipStateCheck: true });
// @ts-expect-error the expected state is required unless the check is skipped explicitly
auth.parseRedirect(url, {});

const claims: AccessTokenClaims = decodeAccessToken("a.b.c");
const exp: number = claims.exp + tokenExpiresAt("a.b.c");
const cid: string | undefined = claims.clientId;
const expired: boolean = isExpired(
  { accessToken: "x", receivedAt: 1, expiresIn: 2 },
  { now: new Date(), leewaySeconds: 0 },
);
// @ts-expect-error `now` is seconds or a Date
isExpired("a.b.c", { now: "today" });

try {
  decodeAccessToken("x");
} catch (e) {
  if (e instanceof CtctOAuthError) {
    const c: ErrorCode = e.code;
    const s: number | undefined = e.status;
    const m: string = e.message;
  }
}
async function flows(): Promise<void> {
  const t: TokenSet = await auth.exchangeCode("code", {
    codeVerifier: p.codeVerifier,
    scopes: req.scopes,
    timeoutMs: 5000,
  });
  const next = await auth.refresh(t, { signal: AbortSignal.timeout(1000) });
  const rt: string | undefined = next.refreshToken;
  // What the token endpoint answered always carries these.
  const received: [string, number, number, string[], string[]] = [
    next.tokenType,
    next.receivedAt,
    next.clockSkew,
    next.scopes,
    next.warnings,
  ];
  // @ts-expect-error expiresAt is absent for a token without `exp` (and no expires_in)
  const exp: number = next.expiresAt;
  const device = await auth.startDeviceAuthorization({ scopes: ["contact_data"] });
  const step = await auth.pollDeviceAuthorizationOnce(device);
  const again = { ...device, interval: step.interval };
  const polled: TokenSet = await auth.pollDeviceAuthorization(again, { onPending: ({ attempts }) => void attempts });
  await auth.revoke(polled.accessToken, "access_token");
  // @ts-expect-error only refresh_token and access_token can be revoked
  await auth.revoke(polled.accessToken, "id_token");
  const v = await auth.verifyAccessToken(t.accessToken, {
    requiredScopes: ["contact_data"],
    clockToleranceSeconds: 30,
  });
  // @ts-expect-error a token set may lack a refresh token; revoking undefined is refused (invalid_config)
  await auth.revoke(t.refreshToken);
  if (t.refreshToken) await auth.revoke(t.refreshToken);
  const w: string[] = v.warnings;
  void [rt, w];
}
void flows;

async function sessions(): Promise<void> {
  const session: TokenSession = auth.session({
    store: webStorageStore(localStorage, "ctct"),
    refreshMarginSeconds: 300,
    strategy: "timer",
  });
  const other = auth.session({ store: memoryStore() });
  const at: string = await session.accessToken();
  const res: Response = await session.fetch("/contacts", {
    method: "POST",
    body: { email_address: { address: "a@b.c" } },
  });
  const summary = await session.json<{ organization_name: string }>("/account/summary");
  const org: string = summary.organization_name;
  const off = session.onTokens((t: TokenSet) => void t.expiresAt);
  off();
  const { warnings } = await session.status();
  const { revoked, error } = await other.signOut({ revoke: true });
  const why: ErrorCode | undefined = error?.code;
  // @ts-expect-error the strategy is one of two
  auth.session({ strategy: "sometimes" });
  void [at, res, warnings, org, revoked, why];
}
void sessions;

declare const stub: { fetch(input: string, init?: RequestInit): Promise<Response> };
const viaBroker = brokerSession(stub);
void viaBroker.fetch("/account/summary").then((r: Response) => r.status);
void TokenBroker;
auth.free();
export { scopes, method, state, exp, cid, expired, code, implicit };
