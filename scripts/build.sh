#!/usr/bin/env bash
# Builds the npm package in pkg/: the wasm module (no_std, release), its bindings for the web and
# nodejs targets, wasm-opt -Oz, and the per-runtime entry files. Output goes to pkg/dist (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The constants the JS layer is built with (endpoints, scopes, the errors it raises, the rules' numbers),
# printed by the Rust binding crate's own code (a native bin of it, ctct_oauth::constants):
# scripts/entries.mjs writes them into pkg/lib/generated/.
mkdir -p target/bindgen-input
cargo run --quiet -p ctct-oauth --bin ctct-oauth-constants > target/constants.json
out=pkg/dist
rm -rf "$out"
mkdir -p "$out"
# Features the Rust wasm32 target enables by default; wasm-opt must be told, as the section that
# would say so is not kept.
features="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals"
features="$features --enable-reference-types --enable-multivalue"

# wasm FEATURES: one wasm module (Cargo.toml [features] choose its exports) of the binding crate, its core
# crate linked in, built in its own target directory so the builds do not undo each other. Built as a
# cdylib only: for a lib whose crate types include rlib (the tests link it) Cargo ignores the profile's
# `lto = true`, and the core's code could not be optimised with the binding's. wasm-bindgen must not give the
# exports multi-value returns (V8 compiles a wrapper per signature for those at every cold start): see
# scripts/no-multivalue.mjs.
wasm() {
  local name=${1:-decode}
  cargo rustc --quiet --release --target wasm32-unknown-unknown -p ctct-oauth --lib --crate-type cdylib \
    --no-default-features --features "shipped $1" --target-dir "target/$name"
  node scripts/no-multivalue.mjs "target/$name/wasm32-unknown-unknown/release/ctct_oauth.wasm" \
    "target/bindgen-input/$name.wasm"
}
# bindings NAME FEATURES TARGET [DIR]: the bindings of that module as DIR/NAME.js and NAME_bg.wasm (DIR:
# pkg/dist/web or pkg/dist/node).
bindings() {
  local dir="${4:-$out/${3%js}}"
  mkdir -p target/bindgen-input/named
  cp "target/bindgen-input/${2:-decode}.wasm" "target/bindgen-input/named/$1.wasm"
  wasm-bindgen --target "$3" --out-dir "$dir" "target/bindgen-input/named/$1.wasm"
  # Bindings' own .d.ts files are replaced by the hand-written pkg/index.d.ts.
  rm -f "$dir"/*.d.ts "$dir"/package.json
  node_modules/.bin/wasm-opt -Oz $features --strip-debug --strip-producers \
    "$dir/${1}_bg.wasm" -o "$dir/${1}_bg.wasm"
}
wasm server
wasm client
wasm ""
# Everything, for Node, Deno and Workers, and as browsers' second module (device flow, verification, the
# fleet's planner), loaded on first use.
bindings ctct_oauth server nodejs
bindings ctct_oauth_server server web
# The web bindings of Node's module, for bundles targeting Node (node/bundler.mjs); not shipped apart.
bindings ctct_oauth server web "$out/node/web-bindings"
# What a browser's public client calls: the browser entry's module.
bindings ctct_oauth client web
# Decode only (decodeAccessToken, tokenExpiresAt, isExpired): the `ctct-oauth/decode` entry of browsers.
bindings ctct_oauth_decode "" web
# The nodejs bindings are CommonJS; the package is "type": "module", so give them their own extension.
mv "$out/node/ctct_oauth.js" "$out/node/ctct_oauth.cjs"
node scripts/entries.mjs
# The types for require(): pkg/index.d.cts, from pkg/index.d.ts.
node scripts/cts-types.mjs
