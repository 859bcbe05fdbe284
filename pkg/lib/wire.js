// Connects a freshly initialised wasm module to the JS side: registers the error class the module
// throws, makes inspection of a client show its redacted view, and freezes the constants.
import { CtctOAuthError } from "./error.js";
import { installClient } from "./client.js";

function deepFreeze(o) {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v);
  return Object.freeze(o);
}

export function wire(glue) {
  glue.__registerErrorClass(CtctOAuthError);
  installClient(glue);
  const proto = glue.ConstantContactOAuth.prototype;
  // console.log / util.inspect show the redacted configuration, never the secret.
  Object.defineProperty(proto, Symbol.for("nodejs.util.inspect.custom"), {
    value() {
      return { ConstantContactOAuth: this.toJSON() };
    },
  });
  return {
    CtctOAuthError,
    ENDPOINTS: deepFreeze(glue.__endpoints()),
    SCOPES: deepFreeze(glue.__scopes()),
  };
}
