// docs/demo.png, the README's screenshot, comes from tests/demo.test.mjs. It carries a hash of what it
// shows (www/ and the test that drives it) in a PNG text chunk: the test compares that hash with the
// current sources and, when they differ, writes a new screenshot for the commit and fails.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { crc32 } from "node:zlib";

const root = new URL("../../", import.meta.url).pathname;
export const README_SHOT = join(root, "docs/demo.png");
const KEYWORD = "ctct-demo-sources";

/** A SHA-256 over the page's files (www/**) and the test that takes the screenshot, by path and content. */
export async function sourcesHash() {
  const files = (await readdir(join(root, "www"), { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath ?? d.path, d.name)));
  files.push("tests/demo.test.mjs");
  const hash = createHash("sha256");
  for (const f of files.sort())
    hash
      .update(`${f}\0`)
      .update(await readFile(join(root, f)))
      .update("\0");
  return hash.digest("hex");
}

/** The PNG with a tEXt chunk `ctct-demo-sources` = hash, right after IHDR. */
export function withHash(png, hash) {
  const data = Buffer.from(`${KEYWORD}\0${hash}`, "latin1");
  const type = Buffer.from("tEXt", "latin1");
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])), 8 + data.length);
  const afterIhdr = 8 + 12 + png.readUInt32BE(8); // signature, then IHDR's length, type, data and CRC
  return Buffer.concat([png.subarray(0, afterIhdr), chunk, png.subarray(afterIhdr)]);
}

/** The hash a PNG carries, or null. */
export function hashOf(png) {
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    if (type === "tEXt") {
      const [keyword, text] = png.toString("latin1", at + 8, at + 8 + length).split("\0");
      if (keyword === KEYWORD) return text;
    }
    if (type === "IEND") break;
    at += 12 + length;
  }
  return null;
}
