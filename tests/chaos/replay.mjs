// Runs one chaos schedule and keeps its evidence, for looking into a violation:
//   node tests/chaos/replay.mjs SEED   (writes test-output/chaos-SEED.json; prints the verdict)
import { mkdirSync, writeFileSync } from "node:fs";
import { makeSchedule } from "./schedule.mjs";
import { runSchedule } from "./run.mjs";
import { check } from "./checker.mjs";

const seed = Number(process.argv[2]);
const schedule = makeSchedule(seed);
console.log(JSON.stringify(schedule, null, 1));
const t0 = Date.now();
const evidence = await runSchedule(schedule, { log: console.log });
mkdirSync("test-output", { recursive: true });
writeFileSync(`test-output/chaos-${seed}.json`, JSON.stringify(evidence, null, 1));
const verdict = check(evidence);
console.log(JSON.stringify(verdict, null, 1), `${Date.now() - t0} ms`);
