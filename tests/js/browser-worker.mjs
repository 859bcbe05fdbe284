// Module workers have no import maps, so the package entry is imported by path.
import * as lib from "/pkg/dist/web/browser.js";
import { runSuite } from "/tests/js/suite.mjs";
postMessage(await runSuite(lib, { browser: true }));
