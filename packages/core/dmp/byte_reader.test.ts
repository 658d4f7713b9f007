import assert from "node:assert/strict";
import { ByteReader, bytesEqual, concatBytes, u16be, u64be } from "./byte_reader.ts";

Deno.test("byte reader: big-endian reads, null on truncation without advancing", () => {
  const r = new ByteReader(
    concatBytes(Uint8Array.of(7), u16be(0xabcd), u64be((1n << 63n) + 5n), Uint8Array.of(1)),
  );
  assert.equal(r.u8(), 7);
  assert.equal(r.u16(), 0xabcd);
  assert.equal(r.u64(), (1n << 63n) + 5n);
  assert.equal(r.u16(), null);
  assert.equal(r.offset, 11);
  assert.equal(r.take(2), null);
  assert.deepEqual(r.take(1), Uint8Array.of(1));
  assert.equal(r.u8(), null);
  assert.equal(r.remaining(), 0);
  assert.ok(bytesEqual(u64be(0x0102n), Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 2)));
  assert.equal(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2)), false);
});
