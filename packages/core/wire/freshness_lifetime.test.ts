import assert from "node:assert/strict";
import { CLASS, TYPE } from "./constants.ts";
import { encodeMessage, type Message } from "./message.ts";
import { freshnessLifetime } from "./freshness_lifetime.ts";

function soa(minimum: number): Uint8Array {
  // MNAME ".", RNAME ".", serial, refresh, retry, expire, minimum
  const out = new Uint8Array(2 + 20);
  new DataView(out.buffer).setUint32(18, minimum);
  return out;
}

function response(parts: Partial<Message>): Uint8Array {
  return encodeMessage({
    id: 1,
    flags: 0x8400,
    opcode: 0,
    rcode: 0,
    questions: [{ name: "a.example.test", type: TYPE.TXT, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
    ...parts,
  });
}

const txt = (ttl: number) => ({
  name: "a.example.test",
  type: TYPE.TXT,
  class: CLASS.IN,
  ttl,
  rdata: new Uint8Array([1, 0x78]),
});

Deno.test("positive answers: the smallest answer TTL (RFC 8484 §5.1)", () => {
  assert.equal(freshnessLifetime(response({ answers: [txt(300), txt(45), txt(60)] })), 45);
  assert.equal(freshnessLifetime(response({ answers: [txt(0)] })), 0);
  // Authority and additional records do not count once there is an answer.
  const withSoa = response({
    answers: [txt(300)],
    authorities: [{ name: "example.test", type: TYPE.SOA, class: CLASS.IN, ttl: 5, rdata: soa(5) }],
  });
  assert.equal(freshnessLifetime(withSoa), 300);
});

Deno.test("negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §5)", () => {
  const neg = (ttl: number, minimum: number) =>
    response({
      rcode: 3,
      authorities: [{
        name: "example.test",
        type: TYPE.SOA,
        class: CLASS.IN,
        ttl,
        rdata: soa(minimum),
      }],
    });
  assert.equal(freshnessLifetime(neg(3600, 60)), 60);
  assert.equal(freshnessLifetime(neg(30, 60)), 30);
});

Deno.test("errors, empty answers and unreadable bytes get no freshness", () => {
  assert.equal(freshnessLifetime(response({ rcode: 5 })), 0);
  assert.equal(freshnessLifetime(new Uint8Array(5)), 0);
  const cut = response({ answers: [txt(300)] });
  assert.equal(freshnessLifetime(cut.subarray(0, cut.length - 1)), 0);
  assert.equal(freshnessLifetime(response({ answers: [txt(0x80000000)] })), 0, "RFC 2181 §8");
});
