// What an app bundled with esbuild looks like: a bare import of the package.
import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";
window.__results = await runSuite(lib, { browser: true });
