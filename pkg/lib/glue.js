// The wasm-bindgen bindings of the module this entry loaded. Each runtime's entry (scripts/entries.mjs)
// instantiates its module and calls setGlue before anything else runs, so the rest of pkg/lib reads
// `glue` only inside calls, never while it is being imported.
import { CtctOAuthError } from "./error.js";

export let glue;

export function setGlue(bindings) {
  glue = bindings;
  glue.__registerErrorClass(CtctOAuthError);
}

/** A browser page or a browser worker: where a client secret would be readable by anyone. */
export const inBrowser = () =>
  (typeof window !== "undefined" && typeof document !== "undefined") || typeof importScripts === "function";

/** Cloudflare Workers: timers and promises do not outlive a request there. */
export const inWorkers = () => globalThis.navigator?.userAgent === "Cloudflare-Workers";
