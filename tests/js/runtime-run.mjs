// Run by tests/runtimes.test.mjs under Deno and Bun: the package through the entry that runtime's
// resolution picks, the shared suite, JSON out.
import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";
const resolved = import.meta.resolve("ctct-oauth");
console.log(JSON.stringify({ resolved, results: await runSuite(lib, { browser: false }) }));
