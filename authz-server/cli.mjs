// The command line, `node authz-server/server.mjs [--port N] [--trusted-origin URL ...] [--single-origin] [--json]`
// (port 4455 unless --port or AUTHZ_PORT): a few lines for people, the first naming the endpoints origin, then
// "endpoints:" and the endpoints as JSON; with --json, one line of JSON only, for a tool to point a client at the
// server.
import { CLIENTS } from "./constant-contact.mjs";

const USAGE = "usage: node authz-server/server.mjs [--port N] [--trusted-origin URL ...] [--single-origin] [--json]";

/** The command line's flags: { port, trustedOrigins, singleOrigin, json }; throws with the usage line. */
export function parseArgs(argv, env = {}) {
  const out = { port: Number(env.AUTHZ_PORT ?? 4455), trustedOrigins: [], singleOrigin: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (flag === "--port") out.port = Number(value());
    else if (flag === "--trusted-origin") out.trustedOrigins.push(value());
    else if (flag === "--single-origin") out.singleOrigin = true;
    else if (flag === "--json") out.json = true;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`bad port\n${USAGE}`);
  return out;
}

/** Runs the command: starts the server with `startAuthServer` (server.mjs) and prints where it is. */
export async function main(startAuthServer, argv = process.argv.slice(2), env = process.env) {
  let args;
  try {
    args = parseArgs(argv, env);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { json, ...options } = args;
  const s = await startAuthServer(options);
  const info = { origin: s.origin, issuer: s.issuer, endpoints: s.endpoints, clients: CLIENTS };
  if (json) {
    console.log(JSON.stringify({ ...info, trustedOrigins: s.switches.trustedOrigins }));
  } else {
    // The first line names the endpoints origin alone: scripts/test.sh reads it from there.
    console.log(`Local Constant Contact-compatible authorization server on ${s.origin}`);
    const where = s.singleOrigin ? "(one origin)" : "(the identity host, as CC's; --single-origin for one origin)";
    console.log(`  issuer and key set: ${s.issuer} ${where}`);
    console.log(
      `  clients: ${CLIENTS.pkce.id} (public, PKCE), ${CLIENTS.device.id} (device flow), ` +
        `${CLIENTS.confidential.id} / ${CLIENTS.confidential.secret} (confidential, rotating), ` +
        `${CLIENTS.longLived.id} / ${CLIENTS.longLived.secret} (long-lived)`,
    );
    console.log(`  any user name signs in; the API stub is at ${s.endpoints.apiBase}`);
    console.log(`  CORS for: ${s.switches.trustedOrigins.join(", ") || "no origin (--trusted-origin URL)"}`);
    console.log(`endpoints:\n${JSON.stringify(s.endpoints, null, 2)}`);
  }
}
