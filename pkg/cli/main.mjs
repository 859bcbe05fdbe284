// The command: its arguments read, the store opened, the command run, the exit code set, and everything it
// opened closed on the way out.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConstantContactOAuth } from "./library.mjs";
import { EXIT, exitCodeOf, out, report, say, usage } from "./output.mjs";
import { HELP } from "./help.mjs";
import { cleanups, interrupt, onSignal, whenAborted } from "./signals.mjs";
import { openStore, storeSpec } from "./stores.mjs";
import { OPTIONS } from "./arguments.mjs";
import { login } from "./login.mjs";
import { logout, refresh, stored, token, whoami } from "./commands.mjs";

/** @import { TokenSet, TokenStore } from "../index.js" */
/** @import { Flags } from "./arguments.mjs" */
/**
 * What a command works with: the environment it reads, a client (`client(extra)`: from that environment and
 * `extra`), the store and its name for people, and `save`, which never throws a sign-in's pair away.
 * @typedef {object} Ctx
 * @property {Record<string, string | undefined>} env
 * @property {(extra?: Record<string, string>) => ConstantContactOAuth} client
 * @property {TokenStore} store
 * @property {string} label
 * @property {(auth: ConstantContactOAuth, tokens: TokenSet) => Promise<void>} save
 */

/** @type {Record<string, (ctx: Ctx, flags: Flags) => Promise<void>>} */
const COMMANDS = { login, whoami, token, refresh, logout };

function version() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return pkg.version;
}

/** @param {string[]} argv */
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
  const flags = /** @type {Flags} */ (parsed.values);
  if (flags.help) return out(HELP[first]);

  /** @type {Record<string, string>} */
  const overrides = {};
  if (flags["client-id"] !== undefined) overrides.CTCT_CLIENT_ID = flags["client-id"];
  if (flags.scopes !== undefined) overrides.CTCT_SCOPES = flags.scopes;
  const env = { ...process.env, ...overrides };
  /** @param {Record<string, string>} [extra] */
  const client = (extra) => ConstantContactOAuth.fromEnv({ ...env, ...extra });
  const clientId = client().toJSON().clientId; // also checks the configuration before any store is opened
  const opened = await Promise.race([openStore(storeSpec(flags), clientId, first), whenAborted(interrupt.signal)]);
  cleanups.add(opened.close);
  /** @type {Ctx} */
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

/**
 * Runs the command with `argv` (the arguments after the program's name), then sets the exit code.
 * @param {string[]} argv
 */
export async function run(argv) {
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  let code = EXIT.ok;
  try {
    await Promise.race([main(argv), whenAborted(interrupt.signal)]);
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
}
