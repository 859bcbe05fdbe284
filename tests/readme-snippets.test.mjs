// Every ```js and ```ts block of the READMEs and of the guides in docs/ (docs/api/ is generated, and has none),
// type-checked with `tsc --strict` against the packed, installed package under moduleResolution bundler, node16
// and nodenext: a snippet cannot drift from the types. A block is skipped only with `<!-- no-typecheck: why -->`
// on the line before its fence.
// A ```js block is checked as JavaScript (checkJs), as an editor or `// @ts-check` reads it, so its
// untyped callback parameters are `any` as in any JS file; a ```ts block is checked as TypeScript.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { installedProject } from "./js/tarball.mjs";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
// These must have blocks; every other guide in docs/ is checked when it has any.
const READMES = ["README.md", "pkg/README.md", "docs/frameworks.md", "docs/sessions.md", "docs/many-servers.md"];
/** The Markdown files whose blocks are checked: READMES and the guides of docs/ (docs/api/ is generated). */
async function documents() {
  const guides = (await readdir(join(root, "docs"), { recursive: true }))
    .filter((f) => f.endsWith(".md") && !f.startsWith("api/"))
    .map((f) => `docs/${f}`);
  return [...new Set([...READMES, ...guides.sort()])];
}

/** `{ file, line (of the opening fence), lang, code, skip }` for every js/ts block. */
function snippets(file, text) {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const lang = { js: "js", javascript: "js", ts: "ts", typescript: "ts" }[open[1]];
    if (lang) {
      // `<!-- no-typecheck: why -->`: the reason is required, so a skip is visible and justified.
      const marker = /^<!--\s*no-typecheck\b:?\s*(.*?)\s*-->\s*$/.exec(lines[i - 1] ?? "");
      out.push({ file, line: i + 1, lang, code: lines.slice(i + 1, end).join("\n"), skip: marker?.[1] });
    }
    i = end;
  }
  return out;
}

// What the snippets take from around them: values an earlier snippet made, a web framework's request and
// session, Node's `process` (as @types/node types it), the Workers types a Worker project has (stand-ins
// for @cloudflare/workers-types), and packages the README uses but this one does not depend on. Anything
// else a snippet uses must come from the package's types or TypeScript's default libs.
const AMBIENT = `
declare const auth: import("ctct-oauth").ConstantContactOAuth;
declare const tokens: import("ctct-oauth").TokenSet;
declare const accessToken: string;
declare const device: import("ctct-oauth").DeviceAuthorization;
declare const req: { url: string };
declare const session: { state: string };
declare const process: { env: Record<string, string | undefined>; stdout: { write(text: string): boolean } };
interface DurableObjectId {}
interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> };
}
declare const state: {
  storage: { put(key: string, value: unknown): Promise<void>; setAlarm(time: number | Date): Promise<void> };
};
declare module "redis";
declare module "pg";
declare module "next/server" {
  export class NextRequest extends Request {
    cookies: { get(name: string): { name: string; value: string } | undefined };
  }
  export class NextResponse extends Response {
    cookies: { set(name: string, value: string, options?: object): void };
    static redirect(url: string | URL): NextResponse;
    static next(): NextResponse;
    static json(body: unknown, init?: ResponseInit): NextResponse;
  }
}
declare module "express" {
  interface Request {
    originalUrl: string;
    cookies?: Record<string, string>;
  }
  interface Reply {
    cookie(name: string, value: string, options?: object): Reply;
    redirect(url: string): void;
    json(body: unknown): void;
  }
  export default function express(): { get(path: string, handler: (req: Request, res: Reply) => unknown): void };
}
declare module "hono" {
  interface Context {
    env: Record<string, string | undefined>;
    req: { url: string };
    redirect(url: string): Response;
    json(body: unknown): Response;
  }
  export class Hono {
    get(path: string, handler: (c: Context) => Response | Promise<Response>): void;
  }
}
declare module "hono/cookie" {
  export function getCookie(c: unknown, name: string): string | undefined;
  export function setCookie(c: unknown, name: string, value: string, options?: object): void;
}
declare module "@sveltejs/kit" {
  export function json(body: unknown): Response;
}
`;

const MODES = {
  bundler: { module: "esnext", moduleResolution: "bundler" },
  node16: { module: "node16", moduleResolution: "node16" },
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  // An older target (Vite 6's es2022 build target): the types bring the one newer lib they use.
  "bundler, es2022": { module: "esnext", moduleResolution: "bundler", target: "es2022", lib: ["es2022", "dom"] },
  // The stricter checks a new project has: what `tsc --init` (TypeScript 5.9) writes beside strict.
  "nodenext, tsc --init": {
    module: "nodenext",
    moduleResolution: "nodenext",
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    moduleDetection: "force",
  },
};

let project;
let blocks = [];

before(async () => {
  ({ project } = await installedProject("ctct-snippets-", { type: "module" }));
  for (const file of await documents()) blocks.push(...snippets(file, await readFile(join(root, file), "utf8")));
  await mkdir(join(project, "snippets"));
  for (const b of blocks.filter((b) => b.skip === undefined)) {
    // The block's first line is the file's first line, so tsc's line numbers map back to the README;
    // `export {}` makes every block a module (its own scope; top-level await).
    b.path = `snippets/${b.file.replace(/\W/g, "_")}_${b.line}.${b.lang}`;
    await writeFile(join(project, b.path), `${b.code}\nexport {};\n`);
  }
  await writeFile(join(project, "ambient.d.ts"), AMBIENT);
  for (const [name, options] of Object.entries(MODES)) {
    const config = {
      compilerOptions: {
        // As `tsc --init` sets it; the default libs for it include the DOM's.
        target: "esnext",
        ...options,
        strict: true,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        types: [],
        skipLibCheck: false,
      },
      include: ["snippets", "ambient.d.ts"],
    };
    await writeFile(join(project, `tsconfig.${name.replace(/\W+/g, "-")}.json`), JSON.stringify(config, null, 2));
  }
});

test("the READMEs and guides have js/ts blocks, and every skipped one says why", () => {
  for (const file of READMES) assert.ok(blocks.filter((b) => b.file === file && b.skip === undefined).length > 0, file);
  assert.ok(blocks.length >= 10, `${blocks.length} blocks`);
  for (const b of blocks) assert.notEqual(b.skip, "", `${b.file}:${b.line}: no-typecheck without a reason`);
});

for (const mode of Object.keys(MODES)) {
  test(`README snippets type-check under tsc --strict, moduleResolution ${mode}`, async () => {
    const tsc = join(root, "node_modules/.bin/tsc");
    const r = await run(tsc, ["-p", `tsconfig.${mode.replace(/\W+/g, "-")}.json`, "--pretty", "false", "--listFiles"], {
      cwd: project,
    }).catch((e) => e);
    const output = `${r.stdout}${r.stderr}`;
    // tsc's `snippets/<file>_<line>.js(row,col)` as the README's own `file:line:col`.
    const readable = output.replace(/snippets\/(\S+?)_(\d+)\.(?:js|ts)\((\d+),(\d+)\)/g, (_, f, line, row, col) => {
      const b = blocks.find((b) => b.path === `snippets/${f}_${line}.${b.lang}`);
      return `${b.file}:${b.line + Number(row)}:${col}`;
    });
    assert.equal(r.code ?? 0, 0, readable);
    // The types came through the installed tarball's `exports`, not from the repository.
    assert.match(output, /node_modules\/ctct-oauth\/index\.d\.ts$/m);
  });
}
