// The package's public names, as pkg/lib/index.js declares them: that file is the one list. The build
// (scripts/entries.mjs) and the tests (tests/js/report.mjs checks every runtime's entry against it) read
// it from here, so a name added there is built and checked everywhere.
//
//   const names = await exportNames();   // sorted
import { build } from "esbuild";

const INDEX = new URL("../pkg/lib/index.js", import.meta.url).pathname;

/** The names pkg/lib/index.js exports, sorted: esbuild's own reading of the module (any export form). */
export async function exportNames() {
  const { metafile } = await build({
    entryPoints: [INDEX],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    outdir: "/ctct-oauth-export-names", // nothing is written
    logLevel: "silent",
  });
  const [output] = Object.values(metafile.outputs).filter((o) => o.entryPoint);
  if (!output?.exports?.length) throw new Error(`scripts/export-names.mjs: no exports found in ${INDEX}`);
  return [...output.exports].sort();
}
