// The wasm-bindgen bindings of the module this entry loaded. Each runtime's entry (scripts/entries.mjs)
// instantiates its module and calls setGlue before anything else runs, so the rest of pkg/lib reads
// `glue` only inside calls, never while it is being imported.
import { CtctOAuthError } from "./error.js";
import { raise } from "./raise.js";

/**
 * The bindings are wasm-bindgen's generated code, whose declarations the build drops: to the type check they are
 * `any`. What crosses is JSON text, and tests/contract.test.mjs and tests/wasm.rs hold both sides to one contract.
 * @type {any}
 */
export let glue;

/** @param {any} bindings */
export function setGlue(bindings) {
  glue = bindings;
  glue.__registerErrorClass(CtctOAuthError);
}

// The bindings with the server-side calls (device flow, key-set verification, the fleet's planner). Where
// the entry's module has them (Node, Deno, Workers) no loader is set and they are `glue` itself; browsers
// load the smaller client module, and the server one only when such a call is first made.
/** @type {(() => Promise<any>) | undefined} */
let loadServer;
/** @type {Promise<any> | undefined} */
let server;

/** @param {() => Promise<any>} load */
export function setServerLoader(load) {
  loadServer = load;
}

/** Whether the server-side calls live in another module than `glue` (browsers). */
export const serverIsSeparate = () => loadServer !== undefined;

export const serverGlue = () =>
  (server ??= loadServer
    ? loadServer().catch((cause) => {
        server = undefined; // a later call tries again
        throw raise("server_module", { cause });
      })
    : Promise.resolve(glue));

/** A browser page or a browser worker: where a client secret would be readable by anyone. */
export const inBrowser = () =>
  (typeof window !== "undefined" && typeof document !== "undefined") || typeof importScripts === "function";

/** Cloudflare Workers: timers and promises do not outlive a request there. */
export const inWorkers = () => globalThis.navigator?.userAgent === "Cloudflare-Workers";
