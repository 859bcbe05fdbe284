// The contract between the wasm module and the JS layer, held in one place (src/contract.rs, rendered
// into tests/contract.json by `UPDATE_CONTRACT=1 cargo test --lib contract`; the native test fails when
// that file is stale): every options and result interface of pkg/index.d.ts must declare exactly the
// keys the module takes and writes, and pkg/lib raises exactly the errors of the module's catalogue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const contract = JSON.parse(readFileSync(`${root}tests/contract.json`, "utf8"));

function declared() {
  const file = `${root}pkg/index.d.ts`;
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const types = new Map();
  ts.forEachChild(program.getSourceFile(file), (node) => {
    if (!ts.isInterfaceDeclaration(node) && !ts.isTypeAliasDeclaration(node)) return;
    const type = checker.getTypeAtLocation(node.name);
    // A union (ParseRedirectOptions) declares the keys of all its members.
    const members = type.isUnion() ? type.types : [type];
    const keys = new Set(members.flatMap((m) => checker.getPropertiesOfType(m).map((p) => p.name)));
    types.set(node.name.text, [...keys]);
  });
  return types;
}

test("every options interface declares exactly the keys its operation takes", () => {
  const types = declared();
  for (const [call, { type, options }] of Object.entries(contract.options)) {
    assert.ok(types.has(type), `pkg/index.d.ts has no ${type} (the options of ${call})`);
    assert.deepEqual([...types.get(type)].sort(), [...options].sort(), `${type} (the options of ${call})`);
  }
});

test("every result type declares exactly the fields the module writes", () => {
  const types = declared();
  for (const [type, fields] of Object.entries(contract.results)) {
    assert.ok(types.has(type), `pkg/index.d.ts has no ${type}`);
    // A token set is data: users may add fields (the index signature), the declared ones are these.
    const have = types.get(type).filter((k) => k !== "__index");
    assert.deepEqual([...have].sort(), [...fields].sort(), type);
  }
});

test("pkg/lib raises exactly the module's catalogue of errors, each by its name", () => {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "generated") walk(path);
      } else if (name.endsWith(".js") && name !== "raise.js") files.push(path);
    }
  };
  walk(`${root}pkg/lib`);
  const raised = new Set();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const call of text.matchAll(/\braise\(([^{)]*)/g)) {
      const names = [...call[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
      assert.ok(names.length > 0, `${file}: raise() with a computed kind (${call[0]}): name each one literally`);
      for (const n of names) raised.add(n);
    }
  }
  const catalogue = Object.keys(contract.raised);
  for (const n of raised) assert.ok(catalogue.includes(n), `pkg/lib raises "${n}", which the catalogue lacks`);
  for (const n of catalogue) assert.ok(raised.has(n), `the catalogue's "${n}" is never raised`);
});

test("every code the module or the JS layer can produce is in the ErrorCode type", () => {
  const dts = readFileSync(`${root}pkg/index.d.ts`, "utf8");
  const union = dts.slice(dts.indexOf("export type ErrorCode"), dts.indexOf(";", dts.indexOf("export type ErrorCode")));
  const listed = new Set([...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]));
  const rust = readFileSync(`${root}crates/core/src/error.rs`, "utf8");
  const codes = [...rust.matchAll(/pub const \w+: &str = "([a-z_]+)";/g)].map((m) => m[1]);
  const registered = rust.slice(
    rust.indexOf("REGISTERED_OAUTH_ERRORS"),
    rust.indexOf("];", rust.indexOf("REGISTERED_OAUTH_ERRORS")),
  );
  const oauth = [...registered.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  for (const c of [...codes, ...oauth, ...Object.values(contract.raised)]) {
    assert.ok(listed.has(c), `ErrorCode lacks "${c}"`);
  }
});
