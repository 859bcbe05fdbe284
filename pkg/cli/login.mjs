// Login: in a browser on this machine (the authorization-code flow with PKCE through a loopback redirect), or
// with a code on any device (the device flow). The pair is saved before anything is printed.
import { spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { createServer } from "node:http";
import { delimiter, join } from "node:path";
import { decodeAccessToken } from "./library.mjs";
import { CliError, EXIT, PROGRAM, out, say, usage } from "./output.mjs";
import { anySignal, cleanups, critical, interrupt, whenAborted } from "./signals.mjs";
import { humanDuration, parseDuration, parsePort } from "./arguments.mjs";

/** @import { ServerResponse } from "node:http" */
/** @import { AddressInfo, Socket } from "node:net" */
/** @import { ConstantContactOAuth, ReceivedTokenSet } from "../index.js" */
/** @import { Flags } from "./arguments.mjs" */
/** @import { Ctx } from "./main.mjs" */

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

/** Tries to open url in the user's browser; never fails (the link is printed anyway). @param {string} url */
function openBrowser(url) {
  /** @type {[string, string[], import("node:child_process").SpawnOptions?]} */
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

/**
 * CTCT_REDIRECT_URI when it is a loopback http URI this command can listen on.
 * @param {Record<string, string | undefined>} env
 */
function loopbackRedirect(env) {
  const url = safeUrl(env.CTCT_REDIRECT_URI ?? "");
  if (!url || url.protocol !== "http:" || !url.port || url.search || url.hash) return null;
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return null;
  return { host: url.hostname, port: Number(url.port), path: url.pathname };
}
/** @param {string} text */
function safeUrl(text) {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** @returns {{ update(text: string): void, stop(): void }} */
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

/**
 * @param {Ctx} ctx
 * @param {ConstantContactOAuth} auth
 * @param {AbortSignal} signal
 */
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

const escapeHtml = (/** @type {string} */ s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The small page the browser lands on. No referrer: the URL it came from holds the code.
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string} title
 * @param {string} text
 */
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

/**
 * @param {Ctx} ctx
 * @param {Flags} flags
 * @param {AbortSignal} signal
 * @returns {Promise<ReceivedTokenSet>}
 */
async function loginBrowser(ctx, flags, signal) {
  const configured = loopbackRedirect(ctx.env);
  const target =
    flags.port !== undefined
      ? { host: "127.0.0.1", port: parsePort(flags.port, "login"), path: "/callback" }
      : (configured ?? { host: "127.0.0.1", port: 0, path: "/callback" });
  const server = createServer();
  /** @type {Set<Socket>} */
  const sockets = new Set();
  server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
  const close = () =>
    /** @type {Promise<void>} */ (
      new Promise((done) => {
        server.close(() => done());
        for (const s of sockets) s.destroy();
      })
    );
  cleanups.add(close);
  try {
    const listenHost = target.host === "localhost" ? "127.0.0.1" : target.host.replace(/^\[|\]$/g, "");
    /** @type {Promise<void>} */
    const listening = new Promise((ok, fail) => {
      server.once("error", fail);
      server.listen(target.port, listenHost, () => (server.off("error", fail), ok()));
    });
    await listening.catch((e) => {
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
    const { port } = /** @type {AddressInfo} */ (server.address());
    const redirectUri = `http://${target.host}:${port}${target.path}`;
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
    /** @type {Promise<ReceivedTokenSet>} */
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

/** @param {Ctx} ctx @param {Flags} flags */
export async function login(ctx, flags) {
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
