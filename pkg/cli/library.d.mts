// The types of ./library.mjs, for the type check (tests/types/checkjs.json): it re-exports the package's own
// entries, so its types are the package's declarations. Not shipped (the command needs none).
export * from "../index.js";
export { fileStore } from "../file-store.js";
