// Run by tests/runtimes.test.mjs under Deno and Bun: the package through the entry that runtime's
// resolution picks, the shared suite, then the smoke test against the local server (CTCT_SMOKE holds
// what tests/js/smoke-node.mjs prepared), JSON out.
import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";
import { runSmoke } from "./smoke.mjs";
const resolved = import.meta.resolve("ctct-oauth");
const smoke = globalThis.Deno ? Deno.env.get("CTCT_SMOKE") : process.env.CTCT_SMOKE;
const results = await runSuite(lib, { browser: false });
if (smoke) results.push(...(await runSmoke(lib, JSON.parse(smoke))));
console.log(JSON.stringify({ resolved, results }));
