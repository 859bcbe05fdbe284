// Writes pkg/index.d.cts and pkg/file-store.d.cts, the CommonJS twins of the hand-written .d.ts files. The package is
// "type": "module", so TypeScript reads index.d.ts as ESM and refuses it to a CommonJS file (TS1479),
// although require("ctct-oauth") works: the exports map gives `require` this file instead. The text is
// the same (named exports mean exports.X in a .d.cts, as index.cjs has them), so it is copied, after
// refusing what would mean something else under CommonJS or would not resolve beside it.
//   node scripts/cts-types.mjs
import { readFileSync, writeFileSync } from "node:fs";

const pkg = new URL("../pkg/", import.meta.url);
for (const name of ["index", "file-store"]) {
  const dts = readFileSync(new URL(`${name}.d.ts`, pkg), "utf8");
  const differs = [
    [/^\s*export\s+default\b/m, "a default export (exports.default under CommonJS, not what index.cjs has)"],
    [/^\s*export\s*=/m, "`export =` (CommonJS only)"],
    [/\bimport\.meta\b/, "import.meta (ESM only)"],
    [/\bfrom\s+["']\.|\bimport\(\s*["']\.|reference\s+path=/, "a relative import (it would need its own .d.cts)"],
  ];
  for (const [pattern, what] of differs) {
    if (pattern.test(dts)) {
      console.error(`scripts/cts-types.mjs: pkg/${name}.d.ts has ${what}; teach this script to convert it.`);
      process.exit(1);
    }
  }
  const header = `// Generated from ${name}.d.ts by scripts/cts-types.mjs: the same types, for require().\n`;
  writeFileSync(new URL(`${name}.d.cts`, pkg), header + dts);
}
