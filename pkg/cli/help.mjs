// Help texts (stdout, exit 0). Exit codes are part of the interface: scripts branch on them.
import { PROGRAM } from "./output.mjs";

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

/** @type {Record<string, string>} */
export const HELP = {
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
