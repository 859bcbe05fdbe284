// The long soak: many chaos schedules in a row, each checked, and the figures the README quotes.
//   node tests/chaos/soak.mjs [--schedules 1000] [--from SEED] [--out test-output/soak.json]
//   node tests/chaos/soak.mjs --seeds 3095,3304   (just these seeds)
//   node tests/chaos/soak.mjs --scenario late-refresh --seeds 1,2,3   (./scenarios.mjs: scripts/checker-defects.sh)
// Exits 1 if any schedule violated a guarantee (its seed is printed: CHAOS_SEEDS=<seed> node --test
// tests/chaos.test.mjs replays it).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { makeSchedule } from "./schedule.mjs";
import { scenario } from "./scenarios.mjs";
import { runSchedule } from "./run.mjs";
import { check } from "./checker.mjs";

const { values } = parseArgs({
  options: {
    schedules: { type: "string", default: "1000" },
    from: { type: "string" },
    seeds: { type: "string" },
    scenario: { type: "string" },
    out: { type: "string" },
  },
});
const from = Number(values.from ?? Math.floor(Math.random() * 1e9));
const seeds = values.seeds
  ? values.seeds.split(",").map(Number)
  : Array.from({ length: Number(values.schedules) }, (_, i) => from + i);
const n = seeds.length;
const out = values.out ?? "test-output/soak.json";
const total = { schedules: 0, faults: 0, requests: 0, refreshes: 0, pairs: 0, calls: 0, violations: [], windows: {} };
const byBackend = {};
const started = Date.now();
mkdirSync(dirname(out), { recursive: true });
for (const seed of seeds) {
  const schedule = values.scenario ? scenario(values.scenario, seed) : makeSchedule(seed);
  let verdict;
  try {
    const evidence = await runSchedule(schedule);
    verdict = check(evidence);
    // The evidence of a violation is kept for a look (node tests/chaos/replay.mjs reruns the seed).
    if (verdict.violations.length) writeFileSync(`${dirname(out)}/chaos-${seed}.json`, JSON.stringify(evidence));
  } catch (e) {
    verdict = {
      violations: [{ guarantee: "run", error: String(e?.stack ?? e).slice(0, 500) }],
      windows: {},
      stats: {},
    };
  }
  total.schedules += 1;
  for (const k of ["faults", "requests", "refreshes", "pairs", "calls"]) total[k] += verdict.stats[k] ?? 0;
  for (const [w, c] of Object.entries(verdict.windows)) total.windows[w] = (total.windows[w] ?? 0) + c;
  for (const v of verdict.violations) total.violations.push({ seed, ...v });
  byBackend[schedule.backend] = (byBackend[schedule.backend] ?? 0) + 1;
  const flag = verdict.violations.length ? `VIOLATION ${JSON.stringify(verdict.violations)}` : "ok";
  console.log(`${total.schedules}/${n} seed ${seed} ${schedule.backend}: ${flag}`);
  writeFileSync(out, JSON.stringify({ from, ...total, byBackend, minutes: (Date.now() - started) / 60000 }, null, 2));
}
console.log(JSON.stringify({ from, ...total, byBackend }, null, 2));
process.exit(total.violations.length ? 1 : 0);
