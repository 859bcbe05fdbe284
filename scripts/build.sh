#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm module (no_std, release), its bindings for the web and
# nodejs targets, wasm-opt -Oz, and the per-runtime entry files. Output goes to pkg/dist (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --quiet --release --target wasm32-unknown-unknown --features shipped
# The constants the JS layer is built with (endpoints, scopes, the errors it raises, the rules' numbers),
# printed by the Rust module's own code: scripts/entries.mjs writes them into pkg/lib/generated/.
cargo run --quiet --features internals --bin ctct-oauth-constants > target/constants.json
# wasm-bindgen must not give the exports multi-value returns (V8 compiles a wrapper per signature for
# those at every cold start): see scripts/no-multivalue.mjs.
mkdir -p target/bindgen-input
wasm=target/bindgen-input/ctct_oauth.wasm
node scripts/no-multivalue.mjs target/wasm32-unknown-unknown/release/ctct_oauth.wasm "$wasm"
# The decode-only module (no Cargo features: decodeAccessToken, tokenExpiresAt, isExpired), for the
# `ctct-oauth/decode` entry of browsers; its own target directory, so neither build undoes the other.
cargo build --quiet --release --target wasm32-unknown-unknown --no-default-features --features shipped \
  --target-dir target/decode
decode_wasm=target/bindgen-input/ctct_oauth_decode.wasm
node scripts/no-multivalue.mjs target/decode/wasm32-unknown-unknown/release/ctct_oauth.wasm "$decode_wasm"
out=pkg/dist
rm -rf "$out"
mkdir -p "$out"
# Features the Rust wasm32 target enables by default; wasm-opt must be told, as the section that
# would say so is not kept.
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"
features="$features --enable-reference-types --enable-multivalue"
for target in web nodejs; do
  dir="$out/${target%js}"
  wasm-bindgen --target "$target" --out-dir "$dir" "$wasm"
  # Bindings' own .d.ts files are replaced by the hand-written pkg/index.d.ts; the bindings themselves
  # are bundled into each runtime's entry by scripts/entries.mjs.
  rm -f "$dir"/*.d.ts "$dir"/package.json
  node_modules/.bin/wasm-opt -Oz $features --strip-debug --strip-producers \
    "$dir/ctct_oauth_bg.wasm" -o "$dir/ctct_oauth_bg.wasm"
done
wasm-bindgen --target web --out-dir "$out/web" "$decode_wasm"
rm -f "$out"/web/*.d.ts
node_modules/.bin/wasm-opt -Oz $features --strip-debug --strip-producers \
  "$out/web/ctct_oauth_decode_bg.wasm" -o "$out/web/ctct_oauth_decode_bg.wasm"
# The nodejs bindings are CommonJS; the package is "type": "module", so give them their own extension.
mv "$out/node/ctct_oauth.js" "$out/node/ctct_oauth.cjs"
node scripts/entries.mjs
# The types for require(): pkg/index.d.cts, from pkg/index.d.ts.
node scripts/cts-types.mjs
