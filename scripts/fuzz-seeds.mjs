// The fuzzing seeds in the repository (fuzz/seeds/<target>.b64, one input per line, base64) and the corpus a
// fuzzing run grows outside it (fuzz/corpus/<target>/, ignored by git). Run by scripts/fuzz.sh:
//   node scripts/fuzz-seeds.mjs unpack [target...]   seeds -> fuzz/corpus/<target>/ (what is there stays)
//   node scripts/fuzz-seeds.mjs pack [target...]     fuzz/corpus/<target>/ -> seeds: the fewest inputs that keep
//                                                    every coverage edge of the corpus (needs the target built)
// `pack` asks libFuzzer itself which edges each input reaches (a merge into an empty directory, whose control
// file lists them per input) and keeps a greedy set cover of them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const fuzz = new URL("../fuzz/", import.meta.url).pathname;
const [mode, ...named] = process.argv.slice(2);
const targets = named.length ? named : readdirSync(join(fuzz, "seeds")).map((f) => f.replace(/\.b64$/, ""));
const seedsOf = (t) => join(fuzz, "seeds", `${t}.b64`);

function unpack(t) {
  const dir = join(fuzz, "corpus", t);
  mkdirSync(dir, { recursive: true });
  const lines = readFileSync(seedsOf(t), "utf8").split("\n");
  const inputs = lines.filter((l, i) => !l.startsWith("#") && (l !== "" || i < lines.length - 1));
  for (const line of inputs) {
    const input = Buffer.from(line, "base64");
    writeFileSync(join(dir, createHash("sha1").update(input).digest("hex")), input);
  }
  console.log(`${t}: ${inputs.length} seeds in fuzz/corpus/${t}/`);
}

function pack(t) {
  const corpus = join(fuzz, "corpus", t);
  const scratch = mkdtempSync(join(tmpdir(), "fuzz-seeds-"));
  const control = join(scratch, "control");
  mkdirSync(join(scratch, "empty"));
  const binary = join(fuzz, "target/x86_64-unknown-linux-gnu/release", t);
  execFileSync(binary, ["-merge=1", `-merge_control_file=${control}`, join(scratch, "empty"), corpus], {
    stdio: "ignore",
  });
  // The control file: the number of inputs, a line, the inputs' paths, then per input STARTED/FT/COV lines.
  const lines = readFileSync(control, "utf8").split("\n");
  const n = Number(lines[0]);
  const paths = lines.slice(2, 2 + n);
  const edges = new Map();
  for (const line of lines.slice(2 + n)) {
    const [kind, index, ...rest] = line.split(" ");
    if (kind === "COV") edges.set(Number(index), new Set(rest.map(Number)));
  }
  rmSync(scratch, { recursive: true });
  const left = new Set([...edges.values()].flatMap((s) => [...s]));
  const total = left.size;
  const keep = [];
  while (left.size) {
    let best = -1;
    let gain = 0;
    for (const [i, s] of edges) {
      const g = [...s].filter((e) => left.has(e)).length;
      if (g > gain) [best, gain] = [i, g];
    }
    if (best < 0) break;
    for (const e of edges.get(best)) left.delete(e);
    keep.push(readFileSync(paths[best]).toString("base64"));
    edges.delete(best);
  }
  const date = new Date().toISOString().slice(0, 10);
  const header = [
    `# Seeds of the fuzz target ${t}: one input per line, base64. The fewest inputs of the corpus fuzzed`,
    `# up to ${date} (${n} inputs) that keep every coverage edge it reached (${total} edges): scripts/fuzz-seeds.mjs.`,
  ];
  writeFileSync(seedsOf(t), [...header, ...keep.sort()].join("\n") + "\n");
  console.log(`${t}: ${n} inputs, ${total} edges -> ${keep.length} seeds`);
}

if (mode === "unpack") targets.forEach(unpack);
else if (mode === "pack") targets.forEach(pack);
else {
  console.error("usage: node scripts/fuzz-seeds.mjs unpack|pack [target...]");
  process.exit(2);
}
