// What sessions and brokers reach inside a client of this module: its bindings, fetch and clock. A
// WeakMap, so nothing of it is reachable from a client object itself.
/** @type {WeakMap<object, import("./types.js").Internals>} */
export const internals = new WeakMap();
