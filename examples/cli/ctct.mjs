#!/usr/bin/env node
// A Constant Contact CLI for machines without a browser, on the device flow.
//   ctct login     print a code and a link, wait for approval, save the tokens (file mode 0600)
//   ctct refresh   refresh and save the new pair (before printing anything)
//   ctct whoami    the claims of the saved access token
//   ctct logout    revoke the refresh token and delete the file
// Environment: CTCT_CLIENT_ID (a device-flow application), CTCT_TOKENS_FILE (default ~/.ctct-tokens.json),
// CTCT_SCOPES (default "account_read contact_data"); for a local test server, CTCT_ENDPOINTS (JSON) and
// CTCT_ALLOW_INSECURE_LOOPBACK=1.
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ConstantContactOAuth, CtctOAuthError, decodeAccessToken, isExpired } from "ctct-oauth";

const file = process.env.CTCT_TOKENS_FILE ?? join(homedir(), ".ctct-tokens.json");
const out = (line) => process.stdout.write(`${line}\n`);

// The variables are read by ConstantContactOAuth.fromEnv, one rule for each (booleans: true/1/yes).
const client = () => ConstantContactOAuth.fromEnv({ CTCT_SCOPES: "account_read contact_data", ...process.env });

/**
 * A new file, created exclusively with mode 0600 beside the old one, then renamed over it: a reader that
 * has the old file open keeps reading the old pair, a symlink at the path is replaced (never followed),
 * and the file is never briefly readable by others.
 */
async function save(tokens) {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(tokens, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

async function load() {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    throw Object.assign(new Error(`No saved tokens in ${file}. Run: ctct login`), { code: "not_signed_in" });
  }
}

function spinner() {
  if (!process.stderr.isTTY) return { update: (text) => process.stderr.write(`${text}\n`), stop() {} };
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let i = 0;
  let text = "";
  const t = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${text}`), 100);
  return { update: (next) => (text = next), stop: () => (clearInterval(t), process.stderr.write("\r\x1b[K")) };
}

const commands = {
  async login() {
    const auth = client();
    const device = await auth.startDeviceAuthorization();
    out(`To sign in to Constant Contact, open ${device.verificationUri}`);
    out(`and enter the code ${device.userCode}`);
    if (device.verificationUriComplete) out(`(or open ${device.verificationUriComplete})`);
    const abort = new AbortController();
    process.once("SIGINT", () => abort.abort());
    const spin = spinner();
    spin.update("Waiting for approval…");
    try {
      const tokens = await auth.pollDeviceAuthorization(device, {
        signal: abort.signal,
        onPending: ({ attempts, interval }) => spin.update(`Waiting for approval… (checked ${attempts}×, every ${interval} s)`),
      });
      await save(tokens);
      const c = decodeAccessToken(tokens.accessToken);
      out(`Signed in as ${c.sub} (client ${c.clientId}); tokens saved to ${file}`);
      for (const w of tokens.warnings) out(`warning: ${w}`);
    } finally {
      spin.stop();
    }
  },
  async refresh() {
    const next = await client().refresh(await load());
    await save(next); // rotated: the old refresh token no longer works, so store first
    out(`Refreshed; the access token is valid until ${new Date(next.expiresAt * 1000).toISOString()}`);
  },
  async whoami() {
    const tokens = await load();
    const c = decodeAccessToken(tokens.accessToken);
    out(`subject:          ${c.sub}`);
    out(`client id:        ${c.clientId}`);
    out(`user id:          ${c.userId}`);
    out(`platform user id: ${c.platformUserId}`);
    out(`scopes:           ${c.scopes.join(" ")}`);
    out(`expires:          ${new Date(c.exp * 1000).toISOString()}${isExpired(tokens) ? " (expired: run ctct refresh)" : ""}`);
  },
  async logout() {
    const tokens = await load();
    if (tokens.refreshToken) await client().revoke(tokens.refreshToken);
    await rm(file);
    out("Signed out; the refresh token was revoked.");
  },
};

const name = process.argv[2];
if (!commands[name]) {
  out("usage: ctct login | refresh | whoami | logout");
  process.exit(2);
}
try {
  await commands[name]();
} catch (e) {
  process.stderr.write(`error ${e.code ?? "unexpected"}: ${e.message}\n${e instanceof CtctOAuthError && e.hint ? `hint: ${e.hint}\n` : ""}`);
  process.exit(1);
}
