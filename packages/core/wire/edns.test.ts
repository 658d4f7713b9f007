import assert from "node:assert/strict";
import { keepaliveTimeout, paddingOptionBytes, RESPONSE_PADDING_BLOCK } from "./edns.ts";

Deno.test("padding brings every length to a multiple of 468 with the 4-byte option header (RFC 8467 §4.1)", () => {
  for (let length = 12; length < 3000; length++) {
    const pad = paddingOptionBytes(length, RESPONSE_PADDING_BLOCK, 65535);
    assert.ok(pad >= 4, `length ${length}: the option header always fits`);
    assert.equal((length + pad) % RESPONSE_PADDING_BLOCK, 0, `length ${length}`);
    assert.ok(pad < RESPONSE_PADDING_BLOCK + 4, `length ${length}: never a whole extra block`);
  }
});

Deno.test("padding never takes a message past 65535 octets; none when the header does not fit", () => {
  assert.equal(paddingOptionBytes(65000, RESPONSE_PADDING_BLOCK, 65535), 52);
  assert.equal(paddingOptionBytes(65525, RESPONSE_PADDING_BLOCK, 65535), 10);
  assert.equal(paddingOptionBytes(65532, RESPONSE_PADDING_BLOCK, 65535), 0);
  assert.equal(paddingOptionBytes(65531, RESPONSE_PADDING_BLOCK, 65535), 4);
  assert.equal(paddingOptionBytes(100, 0, 65535), 0);
});

Deno.test("keepalive TIMEOUT is the idle timeout in 100 ms units, rounded down, 16-bit", () => {
  assert.equal(keepaliveTimeout(5000), 50);
  assert.equal(keepaliveTimeout(250), 2);
  assert.equal(keepaliveTimeout(50), 0);
  assert.equal(keepaliveTimeout(10_000_000), 0xffff);
});
