// Every export of the package, whatever the runtime: each entry (scripts/entries.mjs) loads its wasm
// module, hands it to ./glue.js, and re-exports these. This is the one list of the package's names: the
// build and the tests read it (scripts/export-names.mjs), and pkg/index.d.ts must declare exactly these
// (tests/types.test.mjs), so a name is added here and in the declarations, nowhere else.
export { CtctOAuthError } from "./error.js";
export { ConstantContactOAuth } from "./client.js";
export { TokenSession } from "./session.js";
export { TokenFleet } from "./fleet.js";
export { TokenBroker, brokerSession } from "./broker.js";
export { memoryStore } from "./stores/memory.js";
export { webStorageStore } from "./stores/web-storage.js";
export { indexedDbStore } from "./stores/indexeddb.js";
export { kvStore } from "./stores/kv.js";
export { redisStore } from "./stores/redis.js";
export { postgresStore, postgresSchema, POSTGRES_SCHEMA } from "./stores/postgres.js";
export { ENDPOINTS, SCOPES } from "./generated/constants.js";
export { createPkce, generateState, decodeAccessToken, tokenExpiresAt, isExpired } from "./stateless.js";
