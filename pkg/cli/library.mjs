// The package this command belongs to, by relative path, not "ctct-oauth": this file is inside the package, and
// the path works wherever it is installed. Node's entry, and the file store's module as the package ships it.
export * from "../dist/node/bundler.mjs";
export { fileStore } from "../dist/web/lib/stores/file.js";
