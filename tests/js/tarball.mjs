// The package as a user gets it: `npm pack` of pkg/, installed into a fresh project (as
// tests/consumer.test.mjs does), so resolution goes through the published `exports` and `files`.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const run = promisify(execFile);
const pkgDir = new URL("../../pkg/", import.meta.url).pathname;

/** A temp project (`package.json` as given) with the packed package installed; its path and the packed file list. */
export async function installedProject(prefix, manifest = {}) {
  const packDir = await mkdtemp(join(tmpdir(), "ctct-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: pkgDir });
  const [info] = JSON.parse(stdout);
  const project = await mkdtemp(join(tmpdir(), prefix));
  const pkg = { name: "consumer", private: true, version: "1.0.0", ...manifest };
  await writeFile(join(project, "package.json"), JSON.stringify(pkg));
  const tarball = join(packDir, info.filename);
  // The package has no dependencies, so the install needs no registry.
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: project });
  return { project, tarball, files: info.files.map((f) => f.path).sort() };
}
