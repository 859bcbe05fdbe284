// Globals the checked JS uses that the libs in ./checkjs.json do not declare.

/** Classic workers' loader: pkg/lib/glue.js tells a browser worker by it (lib "webworker" conflicts with "dom"). */
declare function importScripts(...urls: string[]): void;
