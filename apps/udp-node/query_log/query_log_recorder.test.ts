import assert from "node:assert/strict";
import { encodeName } from "../../../packages/core/wire/name.ts";
import { QueryLogRecorder, readQuestion, transportName } from "./query_log_recorder.ts";

function query(name: string, qtype: number): Uint8Array {
  const buf = new Uint8Array(12 + 256 + 4);
  buf.set([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  let at = encodeName(buf, 12, name);
  buf[at++] = qtype >> 8;
  buf[at++] = qtype & 0xff;
  buf[at++] = 0;
  buf[at++] = 1;
  return buf.slice(0, at);
}

Deno.test("the question is read in presentation form, escaped and lower-cased", () => {
  assert.deepEqual(readQuestion(query("WWW.Example.COM", 28)), {
    name: "www.example.com",
    qtype: 28,
  });
  // A hostile label: a newline, a quote and angle brackets are escaped as \DDD (RFC 1035 §5.1).
  const hostile = query("x", 16);
  const evil = new Uint8Array([
    ...hostile.slice(0, 12),
    5,
    0x0a,
    0x3c,
    0x22,
    0x3e,
    0x41,
    0,
    0,
    16,
    0,
    1,
  ]);
  const q = readQuestion(evil);
  assert.equal(q.qtype, 16);
  assert.ok(!/[\n\r]/.test(q.name), q.name);
  assert.ok(q.name.startsWith("\\010"), q.name);
  assert.deepEqual(readQuestion(new Uint8Array(5)), { name: "", qtype: -1 });
  assert.deepEqual(readQuestion(query("x", 1).slice(0, 14)), { name: "", qtype: -1 });
});

Deno.test("a sample keeps the client's /24 or /48 only, the rcode and the transport", () => {
  const rec = new QueryLogRecorder({ every: 1, maxPerSecond: 100, capacity: 10 });
  const response = query("a.example", 1);
  response[2] |= 0x80;
  response[3] = 3; // NXDOMAIN
  rec.record({
    question: { name: "a.example", qtype: 1 },
    outcome: "nxdomain",
    response,
    latencyUs: 12.4,
    transport: transportName(false, undefined),
    remoteAddress: "198.51.100.77",
    nowMs: 1_700_000_000_123,
  });
  rec.record({
    question: { name: "b.example", qtype: 28 },
    outcome: "rate_limited",
    response: null,
    latencyUs: 1,
    transport: transportName(true, { keepalive: -1, padBlock: 468 }),
    remoteAddress: "2001:db8:7:8::99",
    nowMs: 1_700_000_000_124,
  });
  const [a, b] = rec.ring.drain();
  assert.equal(a.client, "198.51.100.0/24");
  assert.equal(a.rcode, 3);
  assert.equal(a.latencyUs, 12);
  assert.equal(a.transport, "udp");
  assert.equal(b.client, "2001:db8:7::/48");
  assert.equal(b.rcode, -1);
  assert.equal(b.transport, "dot");
  const text = JSON.stringify([a, b]);
  assert.ok(!text.includes("198.51.100.77") && !text.includes("::99"), text);
});

Deno.test("transports are told apart by what the listener passes", () => {
  assert.equal(transportName(false, undefined), "udp");
  assert.equal(transportName(true, undefined), "doh");
  assert.equal(transportName(true, { keepalive: 10, padBlock: 0 }), "tcp");
  assert.equal(transportName(true, { keepalive: 10, padBlock: 468 }), "dot");
});
