// The other commands: whoami, token, refresh, logout; and `stored`, which sees a new pair into the store (or, when
// the store does not take it, into a directory of its own).
import { homedir } from "node:os";
import { join } from "node:path";
import { decodeAccessToken, fileStore, isExpired } from "./library.mjs";
import { CliError, EXIT, PROGRAM, out, say } from "./output.mjs";
import { critical, interrupt } from "./signals.mjs";
import { STORE_WAIT_MS } from "./stores.mjs";

/** @import { ConstantContactOAuth, TokenSession } from "../index.js" */
/** @import { Flags } from "./arguments.mjs" */
/** @import { Ctx } from "./main.mjs" */

/** The saved session, or exit 1 with a message that says what to do (not the library's setTokens advice). */
/** @param {Ctx} ctx @param {ConstantContactOAuth} auth */
async function savedSession(ctx, auth) {
  let record;
  try {
    record = await ctx.store.get();
  } catch (cause) {
    throw Object.assign(new CliError("store_error", `the tokens in ${ctx.label} could not be read`, EXIT.unavailable), {
      cause,
    });
  }
  if (!record?.tokens) {
    const why = record?.signedOut ? "Signed out" : "No saved tokens";
    throw new CliError("not_signed_in", `${why} in ${ctx.label}. Run: ${PROGRAM} login`, EXIT.notSignedIn);
  }
  return auth.session({ store: ctx.store });
}

const iso = (/** @type {number} */ seconds) => new Date(seconds * 1000).toISOString();

/** @param {Ctx} ctx @param {Flags} flags */
export async function whoami(ctx, flags) {
  const auth = ctx.client();
  const session = await savedSession(ctx, auth);
  const tokens = await session.tokens();
  const c = flags.verify
    ? await auth.verifyAccessToken(tokens.accessToken, { signal: interrupt.signal })
    : decodeAccessToken(tokens.accessToken);
  const status = await session.status();
  const expired = isExpired(tokens, { leewaySeconds: 0 });
  const decoded = /** @type {{ warnings?: string[] }} */ (c); // (only verified claims carry warnings)
  const warnings = [...(decoded.warnings ?? []), ...status.warnings];
  if (flags.json) {
    out(
      JSON.stringify({
        subject: c.sub,
        clientId: c.clientId,
        userId: c.userId,
        platformUserId: c.platformUserId,
        scopes: c.scopes,
        expiresAt: c.exp,
        expired,
        verified: Boolean(flags.verify),
        refreshToken: Boolean(tokens.refreshToken),
        refreshTokenIdleDays: status.refreshTokenIdleDays,
        warnings,
        store: ctx.label,
      }),
    );
    return;
  }
  const fix = tokens.refreshToken ? `\`${PROGRAM} token\` refreshes it` : "sign in again";
  const note = expired ? ` (expired: ${fix})` : "";
  out(`subject:          ${c.sub}`);
  out(`client id:        ${c.clientId}`);
  out(`user id:          ${c.userId}`);
  out(`platform user id: ${c.platformUserId}`);
  out(`scopes:           ${c.scopes.join(" ")}`);
  out(`expires:          ${iso(c.exp)}${note}`);
  const idle = `saved (last used ${status.refreshTokenIdleDays} days ago)`;
  out(`refresh token:    ${tokens.refreshToken ? idle : "none"}`);
  out(`verified:         ${flags.verify ? "yes (signature, issuer, audience, expiry, client id)" : "no (--verify)"}`);
  out(`store:            ${ctx.label}`);
  for (const w of warnings) say(`warning: ${w}`);
}

/**
 * Waits until the session's new pair is in the store. The library keeps writing a pair the store did not
 * take (holding the account's lease meanwhile); this command waits for that for a while, then saves the
 * pair in a directory of its own rather than end with it unwritten: with rotating refresh tokens, the pair
 * is the only one that still works.
 * @param {Ctx} ctx
 * @param {TokenSession} session
 * @returns {Promise<void>}
 */
export async function stored(ctx, session) {
  const deadline = Date.now() + STORE_WAIT_MS;
  for (let told = false; ; told = true) {
    try {
      return await session.flush();
    } catch (e) {
      if (e?.code !== "store_error") throw e;
      if (!told) say(`warning: ${ctx.label} did not take the new tokens; still writing them (Ctrl-C to stop)...`);
      if (Date.now() >= deadline) return rescue(ctx, session, e);
    }
  }
}

/** @param {Ctx} ctx @param {TokenSession} session @param {unknown} cause */
async function rescue(ctx, session, cause) {
  const dir = join(homedir(), ".ctct-oauth", `rescued-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await ctx
    .client()
    .session({ store: fileStore(dir) })
    .setTokens(await session.tokens());
  const wait = `${STORE_WAIT_MS / 1000} s`;
  const why = `${ctx.label} did not take the new tokens within ${wait}; they are saved in file:${dir}`;
  throw Object.assign(
    new CliError("store_error", why, EXIT.unavailable, `use --store file:${dir} until the store is back`),
    {
      cause,
    },
  );
}

/**
 * `fn(session)`, then its new pair in the store: a store that failed after the server answered is waited for.
 * @template T
 * @param {Ctx} ctx
 * @param {TokenSession} session
 * @param {(session: TokenSession) => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function keeping(ctx, session, fn) {
  try {
    return await fn(session);
  } catch (e) {
    if (e?.code !== "store_error" || !(await session.status().catch(() => null))?.pendingWrite) throw e;
    await stored(ctx, session);
    return fn(session);
  }
}

/** @param {Ctx} ctx */
export async function token(ctx) {
  const session = await savedSession(ctx, ctx.client());
  // A refresh, when due, writes the rotated pair to the store before the token comes back.
  out(await critical(() => keeping(ctx, session, (s) => s.accessToken())));
}

/** @param {Ctx} ctx @param {Flags} flags */
export async function refresh(ctx, flags) {
  const session = await savedSession(ctx, ctx.client());
  // Refreshes even though the token is not due (unless another process already replaced it).
  const next = await critical(() => keeping(ctx, session, (s) => s.refresh()));
  if (flags.json) out(JSON.stringify({ refreshed: true, expiresAt: next.expiresAt, store: ctx.label }));
  else {
    const until = iso(/** @type {number} */ (next.expiresAt)); // (a session's token sets carry expiresAt)
    out(`Refreshed; the access token is valid until ${until}; saved to ${ctx.label}`);
  }
}

/** @param {Ctx} ctx @param {Flags} flags */
export async function logout(ctx, flags) {
  const session = ctx.client().session({ store: ctx.store });
  let signedIn = true;
  try {
    await session.tokens();
  } catch (e) {
    if (e?.code !== "reauthorization_required") throw e;
    signedIn = false;
  }
  if (!signedIn) {
    if (flags.json) out(JSON.stringify({ signedOut: true, revoked: false, store: ctx.label }));
    else out(`Not signed in (${ctx.label}); nothing to do.`);
    return;
  }
  const { revoked, error } = await critical(() => session.signOut({ revoke: true }));
  if (error) say(`warning: the refresh token could not be revoked (${error.code}: ${error.message})`);
  if (flags.json) {
    out(JSON.stringify({ signedOut: true, revoked, revokeError: error?.code ?? null, store: ctx.label }));
  } else if (revoked) {
    out("Signed out; the refresh token was revoked.");
  } else {
    out(`Signed out here${error ? "; revoking at Constant Contact failed (see above)" : " (no refresh token)"}.`);
  }
}
