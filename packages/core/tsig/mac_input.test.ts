import assert from "node:assert/strict";
import { concatBytes } from "../wire/message.ts";
import {
  appendRecord,
  macInput,
  macPrefix,
  messageId,
  tsigTimers,
  tsigVariables,
  unsignedMessage,
} from "./mac_input.ts";

Deno.test("TSIG variables layout (RFC 8945 §4.3.3)", () => {
  const v = tsigVariables({
    keyName: "K.Ex.",
    algorithm: "HMAC-SHA256",
    timeSigned: 0x0102_0304_0506,
    fudge: 300,
    error: 17,
    otherData: new Uint8Array([7, 7]),
  });
  const enc = (s: string) => [...new TextEncoder().encode(s)];
  assert.deepEqual([...v], [
    1,
    ...enc("k"),
    2,
    ...enc("ex"),
    0, // key name, canonical
    0,
    255, // class ANY
    0,
    0,
    0,
    0, // TTL 0
    11,
    ...enc("hmac-sha256"),
    0, // algorithm, canonical
    1,
    2,
    3,
    4,
    5,
    6, // time signed
    1,
    44, // fudge
    0,
    17, // error
    0,
    2,
    7,
    7, // other len + data
  ]);
});

Deno.test("timers, MAC prefix, ID, append", () => {
  assert.deepEqual([...tsigTimers(0x0102_0304_0506, 0x0708)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...macPrefix(new Uint8Array(300)).subarray(0, 2)], [1, 44]);
  assert.equal(messageId(new Uint8Array([0xab, 0xcd])), 0xabcd);
  const hdr = new Uint8Array(12);
  hdr[10] = 0xff;
  hdr[11] = 0xff;
  assert.throws(() => appendRecord(hdr, new Uint8Array([0])), RangeError);
  assert.throws(() => appendRecord(new Uint8Array(4), new Uint8Array([0])), RangeError);
});

Deno.test("unsignedMessage strips the TSIG, decrements ARCOUNT, restores the ID (RFC 8945 §4.3.1)", () => {
  const wire = new Uint8Array([0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 42, 1, 2, 3]);
  const m = unsignedMessage(wire, 13, 0x0102);
  assert.deepEqual(m && [...m], [1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 42]);
  assert.deepEqual([...wire.subarray(0, 2)], [0xff, 0xff], "input untouched");
  const none = wire.slice();
  none[11] = 0;
  assert.equal(unsignedMessage(none, 13, 0), null);
  assert.equal(unsignedMessage(wire, 11, 0), null);
  assert.equal(unsignedMessage(wire, 17, 0), null);
});

Deno.test("macInput writes prefix, unsigned message and variables as their concatenation would", () => {
  // A message with one additional record (the TSIG) from byte 13; ID 0xffff, Original ID 0x0102.
  const wire = new Uint8Array([0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 42, 1, 2, 3]);
  const v = {
    keyName: "Key.Example.",
    algorithm: "HMAC-SHA256",
    timeSigned: 0x010203040506,
    fudge: 300,
    error: 18,
    otherData: new Uint8Array([9, 8, 7, 6, 5, 4]),
  };
  const prefix = macPrefix(new Uint8Array([0xaa, 0xbb]));
  const input = macInput(prefix, wire, 13, 0x0102, 1, v);
  const expected = concatBytes([prefix, unsignedMessage(wire, 13, 0x0102)!, tsigVariables(v)]);
  assert.deepEqual([...input], [...expected]);
  assert.deepEqual([...wire.subarray(0, 2)], [0xff, 0xff], "input untouched");
  // The whole message (the signer's case): nothing cut, ARCOUNT as given.
  const whole = macInput(new Uint8Array(0), wire, wire.length, 7, 2, v);
  assert.deepEqual([...whole.subarray(2, 16)], [...wire.subarray(2)]);
  assert.deepEqual([...whole.subarray(0, 2)], [0, 7]);
  assert.throws(() => macInput(prefix, wire, 11, 0, 0, v), RangeError);
  assert.throws(() => macInput(prefix, wire, 17, 0, 0, v), RangeError);
  assert.throws(() => macInput(prefix, wire, 13, 0, 0, { ...v, keyName: "a..b" }), RangeError);
});
