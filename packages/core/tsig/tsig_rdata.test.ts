import assert from "node:assert/strict";
import { decodeMessage, encodeMessage } from "../wire/message.ts";
import {
  decodeTsigRdata,
  encodeTsigRdata,
  encodeTsigRecord,
  encodeU48,
  MAX_U48,
  readTsigRecord,
  type TsigRdata,
} from "./tsig_rdata.ts";

const sample: TsigRdata = {
  algorithm: "hmac-sha256",
  timeSigned: 0x0001_6543_2101,
  fudge: 300,
  mac: new Uint8Array(32).fill(0xab),
  originalId: 0xbeef,
  error: 18,
  otherData: encodeU48(0x0001_6543_2200),
};

Deno.test("TSIG RDATA round-trips every field (RFC 8945 §4.2)", () => {
  const wire = encodeTsigRdata(sample);
  assert.equal(wire.length, 13 + 10 + 32 + 6 + 6);
  assert.deepEqual(decodeTsigRdata(wire), sample);
  const empty = { ...sample, mac: new Uint8Array(), otherData: new Uint8Array(), error: 0 };
  assert.deepEqual(decodeTsigRdata(encodeTsigRdata(empty)), empty);
});

Deno.test("TSIG RDATA layout matches the RFC byte for byte", () => {
  const wire = encodeTsigRdata({
    ...sample,
    mac: new Uint8Array([9, 9]),
    otherData: new Uint8Array(),
  });
  const expected = [
    11,
    ...new TextEncoder().encode("hmac-sha256"),
    0, // algorithm name
    0x00,
    0x01,
    0x65,
    0x43,
    0x21,
    0x01, // time signed u48
    0x01,
    0x2c, // fudge
    0x00,
    0x02,
    9,
    9, // MAC size + MAC
    0xbe,
    0xef, // original ID
    0x00,
    0x12, // error
    0x00,
    0x00, // other len
  ];
  assert.deepEqual([...wire], expected);
});

Deno.test("u48 limits", () => {
  assert.deepEqual([...encodeU48(MAX_U48)], [255, 255, 255, 255, 255, 255]);
  assert.throws(() => encodeU48(MAX_U48 + 1), RangeError);
  assert.throws(() => encodeU48(-1), RangeError);
  assert.throws(() => encodeU48(1.5), RangeError);
  const big = { ...sample, timeSigned: MAX_U48 };
  assert.equal(decodeTsigRdata(encodeTsigRdata(big))?.timeSigned, MAX_U48);
});

Deno.test("algorithm names decode canonical; upper case input encodes lower", () => {
  const wire = encodeTsigRdata({ ...sample, algorithm: "HMAC-SHA256." });
  assert.equal(decodeTsigRdata(wire)?.algorithm, "hmac-sha256");
  assert.equal(wire[1], 0x68); // "h"
});

Deno.test("malformed RDATA → null, never throws", () => {
  const wire = encodeTsigRdata(sample);
  for (let cut = 0; cut < wire.length; cut++) {
    assert.equal(decodeTsigRdata(wire.slice(0, cut)), null);
  }
  const longer = new Uint8Array(wire.length + 1);
  longer.set(wire);
  assert.equal(decodeTsigRdata(longer), null);
  assert.equal(decodeTsigRdata(wire, 5, 2), null);
  assert.equal(decodeTsigRdata(wire, 0, wire.length + 1), null);
  assert.throws(() => encodeTsigRdata({ ...sample, fudge: 70000 }), RangeError);
  assert.throws(() => encodeTsigRdata({ ...sample, mac: new Uint8Array(70000) }), RangeError);
});

Deno.test("encodeTsigRecord / readTsigRecord, and decodeMessage finds the offset", () => {
  const body = encodeMessage({
    id: 1,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name: "example.com", type: 16, class: 1 }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  const rr = encodeTsigRecord("Key.Example.", sample);
  const wire = new Uint8Array(body.length + rr.length);
  wire.set(body);
  wire.set(rr, body.length);
  wire[11] = 1;
  const d = decodeMessage(wire);
  assert.ok(d.ok);
  assert.equal(d.message.tsigOffset, body.length);
  const r = readTsigRecord(wire, body.length);
  assert.ok(r.ok);
  assert.equal(r.record.keyName, "key.example");
  assert.equal(r.record.klass, 255);
  assert.equal(r.record.ttl, 0);
  assert.equal(r.record.end, wire.length);
  assert.deepEqual(r.record.rdata, sample);
  // Not at the end, not a TSIG, offset out of range.
  const trailing = new Uint8Array(wire.length + 1);
  trailing.set(wire);
  assert.equal(readTsigRecord(trailing, body.length).ok, false);
  assert.equal(readTsigRecord(wire, 12).ok, false);
  assert.equal(readTsigRecord(wire, wire.length).ok, false);
  assert.equal(readTsigRecord(wire, -3).ok, false);
});

Deno.test("an algorithm name compressed against the message is accepted", () => {
  // Owner "k" + pointer algorithm name to a "hmac-sha256" label placed in the question.
  const q = encodeMessage({
    id: 1,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name: "hmac-sha256", type: 16, class: 1 }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  const rdata = [0xc0, 12, 0, 0, 0, 0, 0, 1, 1, 44, 0, 0, 0, 1, 0, 0, 0, 0];
  const rr = [1, 0x6b, 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, rdata.length, ...rdata];
  const wire = new Uint8Array([...q, ...rr]);
  wire[11] = 1;
  const r = readTsigRecord(wire, q.length);
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.equal(r.record.rdata.algorithm, "hmac-sha256");
  assert.equal(r.record.rdata.timeSigned, 1);
});
