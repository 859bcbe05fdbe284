// oidc-provider, imported without two warnings newcomers read as faults; every other warning is printed as before.
// - "Unsupported runtime", at import on any Node older than 22 ("Jod"): a version check only. Every flow this
//   server uses works on Node 20.18 and later (the newest API it calls, URL.parse and crypto.hash, arrived in
//   20.18), and the tests run them all on Node 20; so it is dropped only on Node >= 20.18 (an older Node prints it).
// - "already parsed request body detected", at the first token request: this server reads the form before
//   oidc-provider does (the ledger and Constant Contact's limits need it) and hands it over as req.body, the
//   fallback oidc-provider's warning then announces; by design here, so that one line is dropped.

const RUNTIME_WARNING = "oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.";
const BODY_WARNING = "oidc-provider WARNING: already parsed request body detected";

/** Whether this Node runs every flow (20.18 or later). */
function supported(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major > 20 || (major === 20 && minor >= 18);
}

/** The provider module: { default: Provider, errors, ... }. */
export async function importProvider() {
  if (!filtered) filterWarnings();
  return import("oidc-provider");
}

let filtered = false;
function filterWarnings() {
  filtered = true;
  const warn = console.warn;
  // On a terminal the line is wrapped in colour codes.
  const plain = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, "");
  const runtimeOk = supported();
  console.warn = (...args) => {
    const line = args.length === 1 ? plain(args[0]) : "";
    if ((runtimeOk && line === RUNTIME_WARNING) || line.startsWith(BODY_WARNING)) return;
    warn.apply(console, args);
  };
}
