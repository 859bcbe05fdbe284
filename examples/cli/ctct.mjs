#!/usr/bin/env node
// This example grew into the package's own command: `npx ctct-oauth <command>` (pkg/bin/ctct-oauth.mjs;
// `npx ctct-oauth --help` for commands, stores and exit codes). Kept as a pointer, so that
// `node examples/cli/ctct.mjs login` still works: it runs the installed package's command with these
// arguments. Note the new default token file, ~/.ctct-oauth/tokens.json (CTCT_TOKENS_FILE still wins).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const manifest = createRequire(import.meta.url).resolve("ctct-oauth/package.json");
await import(new URL("bin/ctct-oauth.mjs", pathToFileURL(manifest)).href);
