// Adds up soak results written by parallel runs (./soak.mjs --out), for the figures docs/many-servers.md quotes:
//   node tests/chaos/soak-sum.mjs test-output/soak-a.json test-output/soak-b.json ...
import { readFileSync } from "node:fs";

const total = { schedules: 0, faults: 0, requests: 0, refreshes: 0, pairs: 0, calls: 0 };
const windows = {};
const byBackend = {};
const violations = [];
const seeds = [];
let longest = 0; // parallel runs: the wall-clock time is the longest run's, not the sum
for (const file of process.argv.slice(2)) {
  const run = JSON.parse(readFileSync(file, "utf8"));
  for (const k of Object.keys(total)) total[k] += run[k] ?? 0;
  longest = Math.max(longest, run.minutes ?? 0);
  for (const [w, n] of Object.entries(run.windows ?? {})) windows[w] = (windows[w] ?? 0) + n;
  for (const [b, n] of Object.entries(run.byBackend ?? {})) byBackend[b] = (byBackend[b] ?? 0) + n;
  violations.push(...(run.violations ?? []));
  seeds.push(`${run.from}..${run.from + run.schedules - 1}`);
}
console.log(JSON.stringify({ ...total, minutes: Math.round(longest), seeds, byBackend, windows, violations }, null, 2));
