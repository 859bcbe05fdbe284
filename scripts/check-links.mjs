// Every link of every Markdown file in the repository must resolve inside it: a relative link (inline, reference
// definition, image, HTML href/src) to a file or directory that a clone has (tracked, or new and not ignored), and its
// #anchor, when it points into a Markdown file, to one of that file's headings (GitHub's slugs) or explicit anchors.
// External links are not fetched (there may be no network), but no document may point at the research notes kept
// outside the repository, nor cite "issue N" of a tracker that is not in it. Run by scripts/test.sh.
//   node scripts/check-links.mjs [file.md ...]     (default: every Markdown file git knows or would add)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" });
// What a clone has: tracked files, and new files that are not ignored (a document being written now).
const files = new Set(git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0").filter(Boolean));
const dirs = new Set([""]);
for (const f of files) for (let d = dirname(f); d !== "." && !dirs.has(d); d = dirname(d)) dirs.add(d);
const exists = (path) => (files.has(path) && existsSync(join(root, path))) || dirs.has(path.replace(/\/$/, ""));

// The notes that lived outside the repository, spelled so that this file does not name them itself.
const OUTSIDE = new RegExp(["shared", "reference"].join("/") + "|\\.\\./" + "shared\\b");
// "issue 16", "issues 12 and 13", "issue #21": a tracker nobody with a clone can read.
const TRACKER = /\bissues?\s+#?\d+/i;

/** The text of a Markdown file as a reader sees its prose: fenced blocks, code spans and comments blanked. */
function prose(text) {
  const blank = (s) => s.replace(/[^\n]/g, " ");
  return text
    .replace(/\\[[\]()]/g, "  ") // escaped brackets and parentheses are text
    .replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, blank)
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, blank);
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link or image: its text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*]/g, "") // code and emphasis marks
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "").replace(/\s/g, "-");
}

const anchorCache = new Map();
/** The anchors a Markdown file defines: its headings' slugs (repeats get -1, -2, ...) and `id`/`name` anchors. */
function anchors(path) {
  if (anchorCache.has(path)) return anchorCache.get(path);
  const text = readFileSync(join(root, path), "utf8");
  const seen = new Map();
  const out = new Set();
  const unfenced = text.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, "");
  for (const m of unfenced.matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  for (const m of text.matchAll(/<a\s[^>]*(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  anchorCache.set(path, out);
  return out;
}

/** Every link destination of a file's prose, with its line. */
function links(text) {
  const body = prose(text);
  const out = [];
  const lineOf = (index) => body.slice(0, index).split("\n").length;
  const patterns = [
    /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g, // [text](dest "title"), ![alt](dest)
    /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm, // [label]: dest
    /\b(?:href|src)\s*=\s*"([^"]*)"/g, // HTML
    /<(https?:\/\/[^>\s]+)>/g, // autolinks
  ];
  for (const re of patterns) for (const m of body.matchAll(re)) out.push({ dest: m[1], line: lineOf(m.index) });
  return out;
}

function check(file) {
  const text = readFileSync(join(root, file), "utf8");
  const problems = [];
  const at = (line, what) => problems.push(`${file}:${line}: ${what}`);
  // Anywhere in the file, code included: a path to the outside notes is a dead end in every form.
  text.split("\n").forEach((l, i) => OUTSIDE.test(l) && at(i + 1, "points at research notes outside the repository"));
  prose(text)
    .split("\n")
    .forEach((l, i) => {
      const m = TRACKER.exec(l.replace(/\]\([^)]*\)|https?:\/\/\S+/g, ""));
      if (m) at(i + 1, `"${m[0]}": a reference to an issue tracker that is not in the repository`);
    });
  for (const { dest, line } of links(text)) {
    if (dest === "") {
      at(line, "an empty link");
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(dest)) {
      if (!/^(https?|mailto):/i.test(dest)) at(line, `${dest}: only https, http and mailto links may leave the repo`);
      continue; // not fetched: there may be no network
    }
    const [rawPath, anchor] = dest.split("#");
    const path = decodeURIComponent(rawPath);
    const target = path === "" ? file : normalize(path.startsWith("/") ? path.slice(1) : join(dirname(file), path));
    if (target.startsWith("..") || target.startsWith("/")) {
      at(line, `${dest}: outside the repository`);
      continue;
    }
    if (!exists(target)) {
      at(line, `${dest}: no ${target} in the repository (a clone has only tracked files; built files do not count)`);
      continue;
    }
    if (anchor !== undefined && /\.md$/i.test(target) && !anchors(target).has(decodeURIComponent(anchor))) {
      at(line, `${dest}: ${target} has no heading or anchor "${anchor}"`);
    }
  }
  return problems;
}

const targets = process.argv.slice(2).length
  ? process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)))
  : [...files].filter((f) => /\.md$/i.test(f) && existsSync(join(root, f))).sort();
const problems = targets.flatMap(check);
for (const p of problems) console.error(p);
if (problems.length) {
  console.error(`check-links: ${problems.length} broken link(s) in ${targets.length} Markdown files`);
  process.exit(1);
}
console.log(`check-links: every link of ${targets.length} Markdown files resolves inside the repository`);
