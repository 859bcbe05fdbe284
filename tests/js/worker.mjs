// A Cloudflare Worker that imports the package and answers with the shared suite's results.
import * as lib from "ctct-oauth";
import { runSuite } from "./suite.mjs";

export default {
  async fetch() {
    return Response.json(await runSuite(lib, { browser: false }));
  },
};
