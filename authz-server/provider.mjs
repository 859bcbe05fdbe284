// oidc-provider, imported without its "Unsupported runtime" warning on Node 20. At import it warns on any Node
// older than 22 ("Jod"), a version check only: every flow this server uses works on Node 20.18 and later (the
// newest API it calls, URL.parse and crypto.hash, arrived in 20.18), and the tests run them all on Node 20.
// Newcomers read the warning as a fault, so exactly that one line is dropped, only on Node >= 20.18, and only while
// the module loads; every other warning is printed as before (on an older Node this one is too).

const RUNTIME_WARNING = "oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later LTS release.";

/** Whether this Node runs every flow (20.18 or later). */
function supported(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major > 20 || (major === 20 && minor >= 18);
}

/** The provider module: { default: Provider, errors, ... }. */
export async function importProvider() {
  if (!supported()) return import("oidc-provider");
  const warn = console.warn;
  // On a terminal the line is wrapped in colour codes.
  const plain = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, "");
  console.warn = (...args) => {
    if (args.length === 1 && plain(args[0]) === RUNTIME_WARNING) return;
    warn.apply(console, args);
  };
  try {
    return await import("oidc-provider");
  } finally {
    console.warn = warn;
  }
}
