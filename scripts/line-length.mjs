// Fails when a line of source is longer than the formatters' width (120), which neither rustfmt nor
// Prettier enforce for string literals: long messages are split instead (concat!() in Rust, + in JS).
// Markdown too, which no formatter here wraps; a Markdown line longer only because of a URL (which cannot be
// broken) is allowed. docs/api/ is TypeDoc's output (scripts/docs.mjs), generated like pkg/lib/generated/.
//   node scripts/line-length.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const WIDTH = 120;
const root = new URL("..", import.meta.url).pathname;
const SKIP = new Set([
  "node_modules",
  "target",
  "dist",
  "generated",
  "corpus",
  "test-output",
  ".git",
  "artifacts",
  ".cache",
]);
const SKIP_PATHS = new Set(["docs/api"]);
const EXT = /\.(rs|js|mjs|cjs|ts|mts|cts|sh|toml|html|css|md)$/;
const LINK = /\bhttps?:\/\/[^\s)>\]]+/g;
/** Too long: over WIDTH, and in Markdown still over it without its URLs. */
const tooLong = (line, markdown) =>
  [...line].length > WIDTH && (!markdown || [...line.replace(LINK, "")].length > WIDTH);
const bad = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (SKIP.has(name) || name.endsWith(".lock") || SKIP_PATHS.has(relative(root, path))) continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (EXT.test(name)) {
      readFileSync(path, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (tooLong(line, name.endsWith(".md")))
            bad.push(`${relative(root, path)}:${i + 1}: ${[...line].length} characters`);
        });
    }
  }
}
walk(root);
for (const b of bad) console.error(b);
if (bad.length) {
  console.error(`line-length: ${bad.length} lines over ${WIDTH} characters`);
  process.exit(1);
}
