// Run by tests/deno.test.mjs under Deno: the package through its `deno` entry, the suite, JSON out.
import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";
const resolved = import.meta.resolve("ctct-oauth");
console.log(JSON.stringify({ resolved, results: await runSuite(lib, { browser: false }) }));
