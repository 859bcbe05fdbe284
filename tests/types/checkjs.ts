// The implementation against the declarations, export by export: what pkg/lib/index.js exports (the package's
// entries re-export exactly that module) must be assignable to what pkg/index.d.ts declares, and the file store's
// module to pkg/file-store.d.ts. Checked with ./checkjs.json, together with pkg/lib and the command, so each
// module's own JSDoc types meet the declarations here.
import * as lib from "../../pkg/lib/index.js";
import type * as api from "../../pkg/index.js";
import * as fileStoreLib from "../../pkg/lib/stores/file.js";
import type * as fileStoreApi from "../../pkg/file-store.js";

export const declared: typeof api = lib;
export const declaredFileStore: typeof fileStoreApi = fileStoreLib;
