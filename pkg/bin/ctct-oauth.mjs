#!/usr/bin/env node
// ctct-oauth: authorize an application against the Constant Contact V3 API once (in a browser, or with a
// code on another device), then run unattended: `ctct-oauth token` prints a valid access token, refreshing
// and saving the rotated pair first. `ctct-oauth --help` documents the commands, options and exit codes.
//
// Tokens go through the library's own sessions and stores, so a pair saved here is the record production
// code reads with redisStore/postgresStore (or the file store below, with the same contract).
import { spawn } from "node:child_process";
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
// Relative, not "ctct-oauth": this file is inside the package, and the path works wherever it is installed.
import {
  ConstantContactOAuth,
  CtctOAuthError,
  decodeAccessToken,
  isExpired,
  postgresStore,
  redisStore,
} from "../dist/node/bundler.mjs";
import { fileStore } from "../dist/web/lib/stores/file.js";

const PROGRAM = "ctct-oauth";
const EXIT = { ok: 0, notSignedIn: 1, usage: 2, unavailable: 3, internal: 70, SIGINT: 130, SIGTERM: 143 };

// ---------------------------------------------------------------------------------------------------------
// Help texts (stdout, exit 0). Exit codes are part of the interface: scripts branch on them.

const EXIT_CODES = `Exit codes:
  0    success
  1    not signed in: no saved tokens, reauthorization required, the saved token is not valid,
       or the login was denied, expired or timed out
  2    usage or configuration error: a bad option, no CTCT_CLIENT_ID, a client, scope or redirect URI
       the authorization server refused, a store package that is not installed
  3    network, authorization server or store error (worth retrying)
  70   internal error (a bug in ctct-oauth)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)`;

const STORE_HELP = `  --store <where>     where the tokens live (default: $CTCT_STORE, else file:$CTCT_TOKENS_DIR,
                      else file:~/.ctct-oauth/tokens)
                        file:<dir>                           a directory (mode 0700) of JSON files; several
                                                             commands at once refresh once between them
                        redis://[user:pass@]host:port/<key>  needs the \`redis\` (or \`ioredis\`) package;
                                                             rediss:// for TLS, ?db=<n> to pick a database
                        postgres://user@host:port/db?key=<key>  needs the \`pg\` package (table
                                                             ctct_oauth_sessions, created on first use)
                      Default key: ctct-oauth:<client id>. Production reads the same record with
                      redisStore(client, key) or postgresStore(pool, key).`;

const COMMON_HELP = `${STORE_HELP}
  --client-id <id>    the application's API key (overrides CTCT_CLIENT_ID)
  --json              machine-readable output on stdout
  -h, --help          this help`;

const HELP = {
  global: `${PROGRAM}: authorize once against the Constant Contact V3 API, then run unattended.

Usage: ${PROGRAM} <command> [options]

Commands:
  login     sign in (in a browser on this machine, or with a code on any device) and save the tokens
  whoami    the saved access token's claims (client id, user, scopes, expiry); --verify checks them
  token     print a valid access token and nothing else, refreshing (and saving) first when due
  refresh   refresh now and save the new pair
  logout    revoke the refresh token (best effort) and forget the tokens
  help      this text, or a command's: ${PROGRAM} help login

Options for every command:
${COMMON_HELP}
  --version           the package version

Environment (read by ConstantContactOAuth.fromEnv, with the same rules as in your application):
  CTCT_CLIENT_ID                the application's API key (required)
  CTCT_CLIENT_SECRET            confidential applications only (never pass a secret as an option)
  CTCT_REDIRECT_URI             a loopback URI (http://127.0.0.1:<port>/<path>) is where login --browser
                                listens; any other value is ignored by this command
  CTCT_SCOPES                   space-separated; default: every data scope, plus offline_access
  CTCT_ENDPOINTS                JSON, to point at another authorization server
  CTCT_ALLOW_INSECURE_LOOPBACK  true/1/yes: allow http:// endpoints on loopback hosts (local servers)
  CTCT_STORE, CTCT_TOKENS_DIR   the default --store
  CTCT_STORE_WAIT_MS            how long a new token pair the store does not take is retried before it
                                is saved in a directory of its own (default 60000)

Output: results on stdout (\`token\` prints only the token); prompts, progress and errors on stderr.
In scripts: curl -H "Authorization: Bearer $(npx ${PROGRAM} token)" https://api.cc.email/v3/account/summary

${EXIT_CODES}`,

  login: `Usage: ${PROGRAM} login [--browser [--port <n>] [--no-open] | --device] [--timeout <d>] [options]

Signs in and saves the token pair to the store (any pair saved there before is replaced).

  --browser           the authorization-code flow with PKCE through a loopback redirect: listens on
                      http://127.0.0.1:<port>/callback, prints the link and opens the browser, checks the
                      redirect's state, exchanges the code. The default when this machine can open a
                      browser, for a public application (no CTCT_CLIENT_SECRET) or a loopback
                      CTCT_REDIRECT_URI.
  --port <n>          the loopback port (implies --browser). Default: CTCT_REDIRECT_URI's port when that is a
                      loopback URI, else a free one. Constant Contact accepts only a redirect URI registered
                      exactly: register http://127.0.0.1:<n>/callback for the application, then pin it with
                      --port <n> (or set CTCT_REDIRECT_URI to it).
  --no-open           print the link, do not try to open a browser (xdg-open, open, start)
  --device            the device flow: prints a link and a code to enter on any device with a browser, then
                      waits for approval. The default when no redirect is possible (no display, or a
                      confidential application without a loopback CTCT_REDIRECT_URI).
  --timeout <d>       give up after this long: 300 (seconds), 90s, 5m, 1h. Default 5m.
  --scopes "<a b>"    the scopes to ask for (overrides CTCT_SCOPES)
${COMMON_HELP}

Ctrl-C cancels: nothing is saved and the loopback server is closed.

${EXIT_CODES}`,

  whoami: `Usage: ${PROGRAM} whoami [--verify] [--json] [options]

The saved access token's claims: subject, client id, user ids, scopes, expiry, and whether a refresh token
is saved. Decoded only, unless --verify. Refreshes nothing.

  --verify            verify the token (RS256 signature against the key set, issuer, audience, expiry, client
                      id); a token that fails exits 1
${COMMON_HELP}

${EXIT_CODES}`,

  token: `Usage: ${PROGRAM} token [options]

Prints a valid access token on stdout and nothing else. When it expires within 5 minutes it is refreshed
first, and the rotated pair is saved before the token is printed.
  curl -H "Authorization: Bearer $(npx ${PROGRAM} token)" https://api.cc.email/v3/account/summary
${COMMON_HELP}

${EXIT_CODES}`,

  refresh: `Usage: ${PROGRAM} refresh [--json] [options]

Refreshes now, whether due or not, and saves the new pair before printing anything. Constant Contact
rotates refresh tokens: the one used stops working, so the new pair is always saved first (a Ctrl-C during
the refresh waits for that).
${COMMON_HELP}

${EXIT_CODES}`,

  logout: `Usage: ${PROGRAM} logout [options]

Revokes the refresh token at Constant Contact (best effort: a failure is reported, and the local sign-out
happens all the same) and forgets the tokens. The store keeps a sign-out record without tokens, so a
refresh still in flight elsewhere revokes its late pair instead of bringing the session back.
${COMMON_HELP}

${EXIT_CODES}`,
};

// ---------------------------------------------------------------------------------------------------------
// Output and errors. Messages come from the library (which never puts a token or secret in them) or from
// here; a store URL is shown with its password masked.

const say = (line = "") => process.stderr.write(`${line}\n`);
const out = (line) => process.stdout.write(`${line}\n`);
const mask = (text) =>
  String(text)
    .replace(/(\w+:\/\/[^/:@\s]*:)[^@/\s]+@/g, "$1***@")
    .replace(/([?&](?:password|pass|pwd|sslpassword)=)[^&#\s]*/gi, "$1***");

class CliError extends Error {
  constructor(code, message, exit, hint) {
    super(message);
    this.code = code;
    this.exit = exit;
    this.hint = hint;
  }
}
const usage = (message, command) =>
  new CliError("usage", message, EXIT.usage, `see: ${PROGRAM} ${command ? `${command} ` : ""}--help`);

const NOT_SIGNED_IN = new Set([
  "reauthorization_required",
  "invalid_grant",
  "access_denied",
  "expired_token",
  "state_mismatch",
  "missing_code",
  "issuer_mismatch",
  "invalid_jwt",
  "authorization_code_not_token",
  "jwt_expired",
  "jwt_signature_invalid",
  "jwks_key_not_found",
  "claim_mismatch",
  "interaction_required",
  "login_required",
  "consent_required",
  "account_selection_required",
]);
const MISCONFIGURED = new Set([
  "invalid_config",
  "secret_in_browser",
  "insecure_endpoint",
  "unsupported_runtime",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "unsupported_grant_type",
  "unsupported_response_type",
  "unsupported_token_type",
  "invalid_request",
  "invalid_redirect",
  "invalid_request_uri",
  "invalid_request_object",
]);

function exitCodeOf(e) {
  if (e instanceof CliError) return e.exit;
  if (e instanceof CtctOAuthError) {
    if (NOT_SIGNED_IN.has(e.code)) return EXIT.notSignedIn;
    if (MISCONFIGURED.has(e.code)) return EXIT.usage;
    return EXIT.unavailable; // network_error, timeout, server_error, rate_limited, store_error, ...
  }
  return EXIT.internal;
}

function report(e) {
  const code = e instanceof CliError || e instanceof CtctOAuthError ? e.code : "internal";
  say(`error ${code}: ${mask(e?.message ?? e)}`);
  if (e?.hint) say(`hint: ${e.hint}`);
  else if (e?.code === "reauthorization_required") say(`hint: sign in again: ${PROGRAM} login`);
  // A store's own error says what failed (connection refused, permission denied); it never holds a record.
  if (e?.cause?.message) say(`cause: ${mask(e.cause.cause?.message ?? e.cause.message)}`);
  if (code === "internal" && process.env.CTCT_DEBUG && e?.stack) say(mask(e.stack));
}

// ---------------------------------------------------------------------------------------------------------
// Signals. Ctrl-C cancels whatever is waiting (a login, a connection), but never the short stretch in which
// a token request has been sent and its answer not yet saved: with rotating refresh tokens, dropping that
// answer would end the session. A second Ctrl-C quits at once.

const interrupt = new AbortController();
const cleanups = new Set(); // closes loopback servers and store clients on the way out
let criticalDepth = 0;
let pendingSignal = null;

function onSignal(signal) {
  if (interrupt.signal.aborted || pendingSignal) {
    say("\ninterrupted");
    process.exit(EXIT[signal]);
  }
  if (criticalDepth > 0) {
    pendingSignal = signal;
    say("\nfinishing the token request first, so its answer is saved (Ctrl-C again to quit anyway)...");
    return;
  }
  interrupt.abort(interrupted(signal));
}
function interrupted(signal, after = "") {
  const what = signal === "SIGTERM" ? "terminated" : "interrupted";
  return new CliError(what, `${what}${after}`, EXIT[signal]);
}

/**
 * Runs fn with the signals deferred; if one came meanwhile, stops right after fn succeeded (its result is
 * saved by then). If fn failed, its own error is the one reported.
 */
async function critical(fn) {
  criticalDepth += 1;
  let result;
  try {
    result = await fn();
  } finally {
    criticalDepth -= 1;
  }
  if (criticalDepth === 0 && pendingSignal) {
    const e = interrupted(pendingSignal, " (after finishing the token request and saving its answer)");
    interrupt.abort(e);
    throw e;
  }
  return result;
}

/** A promise that rejects with the signal's reason when it aborts (for Promise.race: never "unhandled"). */
function whenAborted(signal) {
  const p = new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  p.catch(() => {});
  return p;
}

/** AbortSignal.any, which Node 18 lacks. */
function anySignal(...signals) {
  const ctl = new AbortController();
  for (const s of signals) {
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener("abort", () => ctl.abort(s.reason), { once: true });
  }
  return ctl.signal;
}

// ---------------------------------------------------------------------------------------------------------
// Stores.

const DEFAULT_DIR = join(homedir(), ".ctct-oauth", "tokens");
/** How long a command keeps writing a new pair the store does not take, before it rescues the pair. */
const STORE_WAIT_MS = Number(process.env.CTCT_STORE_WAIT_MS) > 0 ? Number(process.env.CTCT_STORE_WAIT_MS) : 60_000;

/** The user's own copy of a package: beside this one, else in the working directory's project (npx). */
async function importUserPackage(name) {
  try {
    return await import(name);
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  try {
    const resolved = createRequire(join(process.cwd(), "package.json")).resolve(name);
    return await import(pathToFileURL(resolved).href);
  } catch {
    return null;
  }
}

function parseStoreSpec(spec, command) {
  if (spec.startsWith("file:")) {
    const rest = spec.slice("file:".length);
    if (rest.startsWith("//")) return { kind: "file", path: fileURLToPath(spec) };
    if (!rest) throw usage("--store file: needs a directory, e.g. file:./tokens", command);
    const path = rest.startsWith("~/") ? join(homedir(), rest.slice(2)) : resolve(rest);
    return { kind: "file", path };
  }
  let url;
  try {
    url = new URL(spec);
  } catch {
    throw usage(
      `--store ${mask(spec)}: expected file:<path>, redis://host:port/<key> or postgres://...?key=<key>`,
      command,
    );
  }
  if (url.protocol === "redis:" || url.protocol === "rediss:") {
    const db = url.searchParams.get("db");
    if (db !== null && !/^\d+$/.test(db)) throw usage(`--store: ?db= must be a number, not ${db}`, command);
    const key = decodeURIComponent(url.pathname.slice(1));
    const auth = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
    return { kind: "redis", key, connect: `${url.protocol}//${auth}${url.host}${db ? `/${db}` : ""}` };
  }
  if (url.protocol === "postgres:" || url.protocol === "postgresql:") {
    const key = url.searchParams.get("key") ?? "";
    url.searchParams.delete("key");
    return { kind: "postgres", key, connect: url.href };
  }
  throw usage(`--store ${mask(spec)}: expected file:<path>, redis://... or postgres://...`, command);
}

function storeSpec(flags) {
  if (flags.store) return flags.store;
  if (process.env.CTCT_STORE) return process.env.CTCT_STORE;
  return `file:${process.env.CTCT_TOKENS_DIR || DEFAULT_DIR}`;
}

const missingPackage = (pkg, scheme) =>
  new CliError(
    "store_unavailable",
    `--store ${scheme} uses the \`${pkg}\` package, which is not installed here.`,
    EXIT.usage,
    `install it in your project: npm install ${pkg}`,
  );

/** Opens the store: `{ store, label, close }`. Clients are configured to fail fast when the server is away. */
async function openStore(spec, clientId, command) {
  const s = parseStoreSpec(spec, command);
  if (s.kind === "file") return { store: fileStore(s.path), label: `file:${s.path}`, close: async () => {} };
  const key = s.key || `ctct-oauth:${clientId}`;
  const label = `${mask(s.connect)} key ${key}`;
  const unreachable = (what, cause) =>
    Object.assign(new CliError("store_error", `could not connect to ${what} at ${mask(s.connect)}`, EXIT.unavailable), {
      cause,
    });
  if (s.kind === "redis") {
    const nodeRedis = await importUserPackage("redis");
    if (nodeRedis?.createClient) {
      const socket = { connectTimeout: 5000, socketTimeout: 10_000, reconnectStrategy: false };
      const client = nodeRedis.createClient({ url: s.connect, disableOfflineQueue: true, socket });
      client.on("error", () => {}); // reported by the command that failed; unhandled, it would crash
      try {
        await client.connect();
      } catch (e) {
        throw unreachable("Redis", e);
      }
      const close = async () => (client.destroy ? client.destroy() : client.disconnect());
      return { store: redisStore(client, key), label, close };
    }
    const ioredis = await importUserPackage("ioredis");
    const Redis = ioredis?.default ?? ioredis?.Redis;
    if (!Redis) throw missingPackage("redis", "redis://");
    const client = new Redis(s.connect, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 5000,
      commandTimeout: 10_000,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (e) {
      throw unreachable("Redis", e);
    }
    return { store: redisStore(client, key), label, close: async () => client.disconnect() };
  }
  const pg = await importUserPackage("pg");
  const Pool = pg?.Pool ?? pg?.default?.Pool;
  if (!Pool) throw missingPackage("pg", "postgres://");
  const pool = new Pool({ connectionString: s.connect, connectionTimeoutMillis: 5000, query_timeout: 10_000, max: 2 });
  pool.on("error", () => {});
  return { store: postgresStore(pool, key), label, close: () => pool.end() };
}

// ---------------------------------------------------------------------------------------------------------
// Arguments.

const COMMON = {
  store: { type: "string" },
  "client-id": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
const OPTIONS = {
  login: {
    ...COMMON,
    browser: { type: "boolean" },
    device: { type: "boolean" },
    port: { type: "string" },
    "no-open": { type: "boolean" },
    timeout: { type: "string" },
    scopes: { type: "string" },
  },
  whoami: { ...COMMON, verify: { type: "boolean" } },
  token: COMMON,
  refresh: COMMON,
  logout: COMMON,
};

function parseDuration(text, command) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? "");
  const ms = m && Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"];
  if (!ms || ms > 2 ** 31 - 1) {
    throw usage(`--timeout ${text}: expected a duration such as 300, 90s, 5m or 1h`, command);
  }
  return ms;
}

function parsePort(text, command) {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw usage(`--port ${text}: expected 0 to 65535`, command);
  return Number(text);
}

function humanDuration(ms) {
  const s = Math.round(ms / 1000);
  return s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

// ---------------------------------------------------------------------------------------------------------
// Login.

/** Whether a browser can be opened on this machine (a display on Linux and the BSDs). */
function canOpenBrowser() {
  if (process.platform === "darwin" || process.platform === "win32") return true;
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, "xdg-open"), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Tries to open url in the user's browser; never fails (the link is printed anyway). */
function openBrowser(url) {
  const [cmd, args, extra] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? // Quoted for cmd, which would split the URL at each &.
          ["cmd", ["/d", "/s", "/c", `start "" "${url}"`], { windowsVerbatimArguments: true }]
        : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true, ...extra });
    child.on("error", () => say(`(could not start ${cmd}: open the link yourself)`));
    child.unref();
  } catch {
    say(`(could not start ${cmd}: open the link yourself)`);
  }
}

/** CTCT_REDIRECT_URI when it is a loopback http URI this command can listen on. */
function loopbackRedirect(env) {
  const url = safeUrl(env.CTCT_REDIRECT_URI ?? "");
  if (!url || url.protocol !== "http:" || !url.port || url.search || url.hash) return null;
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return null;
  return { host: url.hostname, port: Number(url.port), path: url.pathname };
}
function safeUrl(text) {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function spinner() {
  if (!process.stderr.isTTY) return { update: (text) => say(text), stop() {} };
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let i = 0;
  let text = "";
  const t = setInterval(() => process.stderr.write(`\r\x1b[K${frames[i++ % frames.length]} ${text}`), 100);
  return {
    update: (next) => (text = next),
    stop: () => (clearInterval(t), process.stderr.write("\r\x1b[K")),
  };
}

async function loginDevice(ctx, auth, signal) {
  const device = await auth.startDeviceAuthorization({ signal });
  say(`To sign in to Constant Contact, open ${device.verificationUri}`);
  say(`and enter the code ${device.userCode}`);
  if (device.verificationUriComplete) say(`Or open, with the code filled in: ${device.verificationUriComplete}`);
  const expires = new Date(device.expiresAt * 1000).toLocaleTimeString();
  const progress = spinner();
  progress.update(`Waiting for approval... (the code expires at ${expires}; Ctrl-C to cancel)`);
  try {
    const tokens = await auth.pollDeviceAuthorization(device, {
      signal,
      onPending: ({ attempts, interval }) =>
        progress.update(`Waiting for approval... (checked ${attempts}x, every ${interval} s; expires at ${expires})`),
    });
    await critical(() => ctx.save(auth, tokens));
    return tokens;
  } finally {
    progress.stop();
  }
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The small page the browser lands on. No referrer: the URL it came from holds the code. */
function answer(res, status, title, text) {
  const body =
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<body style="font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">' +
    `<h1 style="font-size:1.3rem">${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    connection: "close",
  });
  res.end(body);
}

async function loginBrowser(ctx, flags, signal) {
  const configured = loopbackRedirect(ctx.env);
  const target =
    flags.port !== undefined
      ? { host: "127.0.0.1", port: parsePort(flags.port, "login"), path: "/callback" }
      : (configured ?? { host: "127.0.0.1", port: 0, path: "/callback" });
  const server = createServer();
  const sockets = new Set();
  server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
  const close = () =>
    new Promise((done) => {
      server.close(() => done());
      for (const s of sockets) s.destroy();
    });
  cleanups.add(close);
  try {
    const listenHost = target.host === "localhost" ? "127.0.0.1" : target.host.replace(/^\[|\]$/g, "");
    await new Promise((ok, fail) => {
      server.once("error", fail);
      server.listen(target.port, listenHost, () => (server.off("error", fail), ok()));
    }).catch((e) => {
      if (e.code === "EADDRINUSE") {
        throw new CliError(
          "port_in_use",
          `port ${target.port} on ${listenHost} is in use`,
          EXIT.usage,
          "stop what uses it, or register another port and pass --port <n>",
        );
      }
      throw e;
    });
    const redirectUri = `http://${target.host}:${server.address().port}${target.path}`;
    const auth = ctx.client({ CTCT_REDIRECT_URI: redirectUri });
    // PKCE for every client, confidential ones too: it costs nothing and binds the code to this process.
    const request = auth.authorizationUrl({ pkce: true });
    say(`Listening on ${redirectUri}; the application must have this redirect URI registered exactly.`);
    say("To sign in to Constant Contact, open this link in a browser on this machine:");
    say(`  ${request.url}`);
    if (!flags["no-open"]) openBrowser(request.url);
    const progress = spinner();
    progress.update("Waiting for the browser... (Ctrl-C to cancel)");
    let handled = false;
    const done = new Promise((resolveLogin, rejectLogin) => {
      server.on("request", async (req, res) => {
        const url = new URL(req.url ?? "/", redirectUri);
        if (req.method !== "GET" || url.pathname !== target.path) return answer(res, 404, "Not found", "");
        if (handled) return answer(res, 409, "Already handled", "This sign-in has already been handled.");
        let redirect;
        try {
          redirect = auth.parseRedirect(`${redirectUri}${url.search}`, { state: request.state });
        } catch (e) {
          if (e.code === "state_mismatch") {
            // Not our request (a stale tab, or a forged one): refuse it, and keep waiting for ours.
            progress.update("Ignored a callback with another state; still waiting... (Ctrl-C to cancel)");
            return answer(
              res,
              400,
              "Not this sign-in",
              "This link does not belong to the sign-in the terminal is waiting for. Nothing was saved.",
            );
          }
          handled = true;
          answer(res, 400, "Sign-in failed", `${e.code}: ${e.message}`);
          return rejectLogin(e);
        }
        handled = true;
        try {
          const tokens = await critical(async () => {
            const t = await auth.exchangeCode(redirect.code, {
              codeVerifier: request.codeVerifier,
              scopes: request.scopes,
            });
            await ctx.save(auth, t);
            return t;
          });
          answer(res, 200, "Signed in to Constant Contact", "You can close this tab and return to the terminal.");
          resolveLogin(tokens);
        } catch (e) {
          // A Ctrl-C during the exchange is reported once the pair is saved: the sign-in itself worked.
          const saved = e instanceof CliError && (e.code === "interrupted" || e.code === "terminated");
          if (saved) answer(res, 200, "Signed in to Constant Contact", "You can close this tab.");
          else answer(res, 500, "Sign-in failed", e.code ? `${e.code}: ${e.message}` : "see the terminal");
          rejectLogin(e);
        }
      });
    });
    try {
      return await Promise.race([done, whenAborted(signal)]);
    } finally {
      progress.stop();
    }
  } finally {
    await close();
    cleanups.delete(close);
  }
}

async function login(ctx, flags) {
  if (flags.browser && flags.device) throw usage("--browser and --device exclude each other", "login");
  if (flags.device && (flags.port !== undefined || flags["no-open"])) {
    throw usage("--port and --no-open belong to --browser", "login");
  }
  const timeoutMs = parseDuration(flags.timeout ?? "5m", "login");
  const auth = ctx.client();
  const confidential = Boolean(ctx.env.CTCT_CLIENT_SECRET);
  const browser =
    flags.browser ||
    flags.port !== undefined ||
    flags["no-open"] ||
    (!flags.device && canOpenBrowser() && (!confidential || loopbackRedirect(ctx.env) !== null));
  const timer = new AbortController();
  const t = setTimeout(
    () =>
      timer.abort(
        new CliError(
          "login_timeout",
          `nobody signed in within ${humanDuration(timeoutMs)}; nothing was saved`,
          EXIT.notSignedIn,
          `run ${PROGRAM} login again (--timeout sets the wait)`,
        ),
      ),
    timeoutMs,
  );
  const signal = anySignal(interrupt.signal, timer.signal);
  let tokens;
  try {
    tokens = browser ? await loginBrowser(ctx, flags, signal) : await loginDevice(ctx, auth, signal);
  } catch (e) {
    // The library reports its own abort as `aborted`; say which of ours it was.
    if (signal.aborted && (e?.code === "aborted" || e === signal.reason)) throw signal.reason;
    throw e;
  } finally {
    clearTimeout(t);
  }
  const c = decodeAccessToken(tokens.accessToken);
  for (const w of tokens.warnings ?? []) say(`warning: ${w}`);
  if (!tokens.refreshToken) say("warning: no refresh token was issued: `token` works only until this one expires");
  if (flags.json) {
    out(
      JSON.stringify({
        signedIn: true,
        subject: c.sub,
        clientId: c.clientId,
        scopes: c.scopes,
        expiresAt: c.exp,
        refreshToken: Boolean(tokens.refreshToken),
        store: ctx.label,
      }),
    );
  } else {
    out(`Signed in as ${c.sub} (client ${c.clientId}); tokens saved to ${ctx.label}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The other commands.

/** The saved session, or exit 1 with a message that says what to do (not the library's setTokens advice). */
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

const iso = (seconds) => new Date(seconds * 1000).toISOString();

async function whoami(ctx, flags) {
  const auth = ctx.client();
  const session = await savedSession(ctx, auth);
  const tokens = await session.tokens();
  const c = flags.verify
    ? await auth.verifyAccessToken(tokens.accessToken, { signal: interrupt.signal })
    : decodeAccessToken(tokens.accessToken);
  const status = await session.status();
  const expired = isExpired(tokens, { leewaySeconds: 0 });
  const warnings = [...(c.warnings ?? []), ...status.warnings];
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
 */
async function stored(ctx, session) {
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

/** `fn(session)`, then its new pair in the store: a store that failed after the server answered is waited for. */
async function keeping(ctx, session, fn) {
  try {
    return await fn(session);
  } catch (e) {
    if (e?.code !== "store_error" || !(await session.status().catch(() => null))?.pendingWrite) throw e;
    await stored(ctx, session);
    return fn(session);
  }
}

async function token(ctx) {
  const session = await savedSession(ctx, ctx.client());
  // A refresh, when due, writes the rotated pair to the store before the token comes back.
  out(await critical(() => keeping(ctx, session, (s) => s.accessToken())));
}

async function refresh(ctx, flags) {
  const session = await savedSession(ctx, ctx.client());
  // Refreshes even though the token is not due (unless another process already replaced it).
  const next = await critical(() => keeping(ctx, session, (s) => s.refresh()));
  if (flags.json) out(JSON.stringify({ refreshed: true, expiresAt: next.expiresAt, store: ctx.label }));
  else out(`Refreshed; the access token is valid until ${iso(next.expiresAt)}; saved to ${ctx.label}`);
}

async function logout(ctx, flags) {
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

const COMMANDS = { login, whoami, token, refresh, logout };

// ---------------------------------------------------------------------------------------------------------
// Main.

function version() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return pkg.version;
}

async function main(argv) {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return out(HELP.global);
  if (first === "--version") return out(version());
  if (first === "help") {
    const topic = rest[0] ?? "global";
    if (!HELP[topic]) throw usage(`no command ${topic}`);
    return out(HELP[topic]);
  }
  if (!COMMANDS[first]) throw usage(first.startsWith("-") ? `${first} comes after a command` : `no command ${first}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS[first], strict: true, allowPositionals: false });
  } catch (e) {
    throw usage(e.message.replace(/\. To specify a positional argument.*$/s, ""), first);
  }
  const flags = parsed.values;
  if (flags.help) return out(HELP[first]);

  const overrides = {};
  if (flags["client-id"] !== undefined) overrides.CTCT_CLIENT_ID = flags["client-id"];
  if (flags.scopes !== undefined) overrides.CTCT_SCOPES = flags.scopes;
  const env = { ...process.env, ...overrides };
  const client = (extra) => ConstantContactOAuth.fromEnv({ ...env, ...extra });
  const clientId = client().toJSON().clientId; // also checks the configuration before any store is opened
  const opened = await Promise.race([openStore(storeSpec(flags), clientId, first), whenAborted(interrupt.signal)]);
  cleanups.add(opened.close);
  const ctx = {
    env,
    client,
    store: opened.store,
    label: opened.label,
    // A sign-in's pair is never thrown away: a store that does not take it is waited for, then the pair
    // is saved in a directory of its own.
    save: async (auth, tokens) => {
      const session = auth.session({ store: opened.store });
      await session.setTokens(tokens).catch((e) => {
        if (e?.code !== "store_error") throw e;
      });
      await stored(ctx, session);
    },
  };
  await COMMANDS[first](ctx, flags);
}

process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));
let code = EXIT.ok;
try {
  await Promise.race([main(process.argv.slice(2)), whenAborted(interrupt.signal)]);
} catch (e) {
  code = exitCodeOf(e);
  if (code === EXIT.SIGINT || code === EXIT.SIGTERM) say(`\n${e.message}`);
  else report(e);
}
for (const close of cleanups) {
  let timer;
  const limit = new Promise((r) => (timer = setTimeout(r, 2000)));
  await Promise.race([close().catch(() => {}), limit]);
  clearTimeout(timer);
}
process.exitCode = code;
// Whatever handle a client library leaves open, the command is over: output is flushed by now.
setTimeout(() => process.exit(code), 500).unref();
