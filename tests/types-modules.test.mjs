// Types for both module systems, from the packed, installed tarball: a CommonJS file (.cts) gets
// index.d.cts and an ESM file (.mts) index.d.ts through the exports map, under node16 and nodenext,
// and are-the-types-wrong finds every resolution right.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { installedProject } from "./js/tarball.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
// The project has no @types packages, so none are included.
let project, tarball;

// Each file uses a value and a type, so a module that resolved to nothing (any) would fail too.
const CTS = `import oauth = require("ctct-oauth");
import { ConstantContactOAuth, type TokenSet } from "ctct-oauth";
const auth: ConstantContactOAuth = new oauth.ConstantContactOAuth({ clientId: "x" });
export const verifier: string = oauth.createPkce().codeVerifier;
export async function refresh(tokens: TokenSet): Promise<TokenSet> {
  const { isExpired } = await import("ctct-oauth");
  return isExpired(tokens) ? auth.refresh(tokens) : tokens;
}
// @ts-expect-error the types are real: no such export
oauth.notAnExport;
// The decode subpath's own types, for require() too.
import decode = require("ctct-oauth/decode");
export const exp: number = decode.tokenExpiresAt("a.b.c");
// @ts-expect-error ctct-oauth/decode declares only the decoding calls
decode.createPkce;
`;
const MTS = `import { ConstantContactOAuth, createPkce, type TokenSet } from "ctct-oauth";
const auth = new ConstantContactOAuth({ clientId: "x" });
export const verifier: string = createPkce().codeVerifier;
export const tokens: TokenSet = await auth.refresh("a refresh token");
// @ts-expect-error the types are real: no such export
import { notAnExport } from "ctct-oauth";
void notAnExport;
`;

before(async () => {
  ({ project, tarball } = await installedProject("ctct-types-", { type: "module" }));
  await writeFile(join(project, "cjs.cts"), CTS);
  await writeFile(join(project, "esm.mts"), MTS);
});

test("the installed index.d.cts is index.d.ts under another name (a stale build fails here)", async () => {
  const dts = await readFile(join(root, "pkg/index.d.ts"), "utf8");
  const cts = await readFile(join(project, "node_modules/ctct-oauth/index.d.cts"), "utf8");
  assert.equal(cts.slice(cts.indexOf("\n") + 1), dts);
});

test("require() gives exactly the names index.d.cts declares", async () => {
  const cts = await readFile(join(project, "node_modules/ctct-oauth/index.d.cts"), "utf8");
  const declared = [...cts.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]).sort();
  const lib = createRequire(join(project, "x.cjs"))("ctct-oauth");
  assert.deepEqual(declared, Object.keys(lib).sort());
});

for (const mode of ["node16", "nodenext"]) {
  test(`a .cts and a .mts file type-check under ${mode}, each with its own module system's types`, async () => {
    const tsc = join(root, "node_modules/.bin/tsc");
    const args = ["--strict", "--noEmit", "--module", mode, "--moduleResolution", mode, "--target", "esnext"];
    const r = await run(tsc, [...args, "--traceResolution", "cjs.cts", "esm.mts"], {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e) => e);
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(
      r.code ?? 0,
      0,
      output
        .split("\n")
        .filter((l) => /error TS/.test(l))
        .join("\n") || output,
    );
    // Which declaration file each importer's `ctct-oauth` resolved to, from tsc's own trace.
    const resolved = {};
    let from;
    for (const line of output.split("\n")) {
      from = /^======== Resolving module 'ctct-oauth' from '.*\/([^/]+)'/.exec(line)?.[1] ?? from;
      const to = /^======== Module name 'ctct-oauth' was successfully resolved to '.*\/(ctct-oauth\/[^']+)'/.exec(line);
      if (to) (resolved[from] ??= new Set()).add(to[1]);
    }
    // The .cts file's dynamic import() is ESM: both files there.
    assert.deepEqual(Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, [...v].sort()])), {
      "cjs.cts": ["ctct-oauth/index.d.cts", "ctct-oauth/index.d.ts"],
      "esm.mts": ["ctct-oauth/index.d.ts"],
    });
  });
}

test("are-the-types-wrong: no problem; each resolution's types match its runtime entry's module system", async () => {
  const r = await run(join(root, "node_modules/.bin/attw"), [tarball, "--format", "json"], {
    cwd: project,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((e) => e);
  const { analysis } = JSON.parse(r.stdout);
  assert.deepEqual(analysis.problems, [], r.stdout.slice(0, 2000));
  const files = Object.fromEntries(
    Object.entries(analysis.entrypoints["."].resolutions).map(([kind, v]) => [
      kind,
      [v.resolution?.fileName, v.implementationResolution?.fileName].map((f) => f?.replace("/node_modules/", "")),
    ]),
  );
  assert.deepEqual(files, {
    node10: ["ctct-oauth/index.d.ts", "ctct-oauth/dist/node/index.cjs"],
    "node16-cjs": ["ctct-oauth/index.d.cts", "ctct-oauth/dist/node/index.cjs"],
    "node16-esm": ["ctct-oauth/index.d.ts", "ctct-oauth/dist/node/bundler.mjs"],
    bundler: ["ctct-oauth/index.d.ts", "ctct-oauth/dist/web/browser.js"],
  });
  assert.equal(r.code ?? 0, 0);
});
