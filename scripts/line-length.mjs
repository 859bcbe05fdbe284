// Fails when a line of source is longer than the formatters' width (120), which neither rustfmt nor
// Prettier enforce for string literals: long messages are split instead (concat!() in Rust, + in JS).
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
const EXT = /\.(rs|js|mjs|cjs|ts|mts|cts|sh|toml|html|css)$/;
const bad = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.endsWith(".lock")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (EXT.test(name)) {
      readFileSync(path, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if ([...line].length > WIDTH) bad.push(`${relative(root, path)}:${i + 1}: ${[...line].length} characters`);
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
