// Drops `multivalue` from a wasm module's `target_features` section, so that wasm-bindgen keeps the
// return-pointer ABI instead of giving exports multi-value returns.
//   node scripts/no-multivalue.mjs in.wasm out.wasm
//
// Why: wasm-bindgen (0.2.93+) applies its multi-value transform whenever this section lists the feature,
// and Rust 1.82+ always does (the precompiled core has it; only nightly -Zbuild-std could remove it).
// V8's generic JS-to-wasm wrapper does not handle multi-value returns, so every distinct multi-return
// export signature is compiled by TurboFan when the module is compiled, most of a cold start. Nothing else
// reads the section, and the code itself does not change (rustc does not use multi-value returns for Rust ABI).
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
const bytes = readFileSync(input);

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

// One cursor over the module: sections are read in order.
let at = 8;
function u32() {
  let v = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[at++];
    v |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return v >>> 0;
}
function name() {
  const len = u32();
  at += len;
  return bytes.subarray(at - len, at).toString();
}

const parts = [bytes.subarray(0, 8)];
let dropped = false;
while (at < bytes.length) {
  const start = at;
  const id = bytes[at++];
  const end = u32() + at;
  const bodyAt = at;
  if (id === 0 && name() === "target_features") {
    const nameBytes = bytes.subarray(bodyAt, at);
    const kept = [];
    for (let n = u32(); n > 0; n--) {
      const entry = at;
      at += 1; // prefix: '+' used, '-' disallowed, '=' required
      if (name() === "multivalue") dropped = true;
      else kept.push(bytes.subarray(entry, at));
    }
    const body = Buffer.concat([nameBytes, leb(kept.length), ...kept]);
    parts.push(Buffer.from([0]), leb(body.length), body);
  } else {
    parts.push(bytes.subarray(start, end));
  }
  at = end;
}
if (!dropped) {
  // A toolchain that stops listing the feature is fine; say so, as the measurement above then needs redoing.
  console.warn(`no-multivalue: ${input} does not list multivalue in target_features; nothing to drop`);
}
writeFileSync(output, Buffer.concat(parts));
