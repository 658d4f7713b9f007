import assert from "node:assert/strict";
import { createLogger } from "../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { CLASS, OPCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { encodeMessage } from "../../packages/core/wire/message.ts";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import { DnsService } from "./dns_service.ts";
import { QueryLogRecorder } from "./query_log/query_log_recorder.ts";
import { QueryFirstLane } from "./pipeline/query_first_lane.ts";

const ZONE = "log.test";

function service(
  options: { every: number; rate?: number; clock?: () => number; lane?: QueryFirstLane },
) {
  const index = new ZoneIndex();
  index.replaceZone({
    name: ZONE,
    soaMname: `ns1.${ZONE}`,
    soaRname: `hostmaster.${ZONE}`,
    soaRefresh: 3600,
    soaRetry: 600,
    soaExpire: 86400,
    soaMinimum: 60,
    serial: 1,
  }, [{
    id: 1,
    zone: ZONE,
    name: `www.${ZONE}`,
    type: "A",
    value: "192.0.2.1",
    ttl: 300,
    expiresAt: 0,
    createdAt: 0,
  }]);
  const queryLog = new QueryLogRecorder({ every: options.every, maxPerSecond: 1000, capacity: 50 });
  const s = new DnsService({
    index,
    metrics: new MetricsRegistry(),
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    query: { maxTtl: 300 },
    rate: options.rate ?? 0,
    burst: options.rate ?? 0,
    maxConcurrency: 8,
    clock: options.clock,
    queryLog,
    lane: options.lane,
  });
  return { s, ring: queryLog.ring };
}

function query(name: string, type: number, opcode: number = OPCODE.QUERY): Uint8Array {
  return encodeMessage({
    id: 7,
    flags: 0,
    opcode,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

Deno.test("a sampled query is recorded with its outcome, rcode, transport and the client's /24", () => {
  const { s, ring } = service({ every: 1, clock: () => 1_800_000_000.25 });
  assert.ok(s.handle(query(`www.${ZONE}`, TYPE.A), false, "203.0.113.9") instanceof Uint8Array);
  s.handle(query(`nope.${ZONE}`, TYPE.AAAA), true, "2001:db8:1:2::3", {
    keepalive: -1,
    padBlock: 0,
  });
  s.handle(query("elsewhere.example", TYPE.TXT), true, "198.51.100.1");
  const [a, b, c] = ring.drain();
  assert.deepEqual(
    { ...a, latencyUs: 0 },
    {
      tsMs: 1_800_000_000_250,
      name: `www.${ZONE}`,
      qtype: TYPE.A,
      outcome: "noerror",
      rcode: 0,
      latencyUs: 0,
      transport: "udp",
      client: "203.0.113.0/24",
    },
  );
  assert.deepEqual([b.outcome, b.rcode, b.transport, b.client], [
    "nxdomain",
    3,
    "tcp",
    "2001:db8:1::/48",
  ]);
  assert.deepEqual([c.outcome, c.rcode, c.transport], ["refused", 5, "doh"]);
});

Deno.test("a rate-limited query is recorded as dropped; async answers get their outcome when done", async () => {
  const { s, ring } = service({ every: 1, rate: 1, clock: () => 100 });
  s.handle(query(`www.${ZONE}`, TYPE.A), false, "192.0.2.50");
  assert.equal(s.handle(query(`www.${ZONE}`, TYPE.A), false, "192.0.2.50"), null);
  s.setAsyncHandler(() => Promise.resolve({ bytes: null, outcome: "update_refused" }));
  const pending = s.handle(query(ZONE, TYPE.SOA, OPCODE.UPDATE), false, "192.0.2.77");
  assert.ok(pending instanceof Promise);
  await pending;
  const [, limited, update] = ring.drain();
  assert.deepEqual([limited.outcome, limited.rcode], ["rate_limited", -1]);
  assert.deepEqual([update.outcome, update.rcode, update.client], [
    "update_refused",
    -1,
    "192.0.2.0/24",
  ]);
});

Deno.test("unsampled queries leave the ring empty", () => {
  const { s, ring } = service({ every: 1_000_000 });
  for (let i = 0; i < 1000; i++) s.handle(query(`www.${ZONE}`, TYPE.A), false, "192.0.2.1");
  assert.ok(ring.size <= 1, `sampled ${ring.size}`);
});

Deno.test("an UPDATE waits for its lane turn, and a query behind it is answered at once", async () => {
  const iterations: (() => void)[] = [];
  const lane = new QueryFirstLane((run) => iterations.push(run));
  const { s } = service({ every: 1_000_000, lane });
  const handled: number[] = [];
  s.setAsyncHandler((request) => {
    handled.push(request[1]); // the message ID's low byte
    return Promise.resolve({ bytes: null, outcome: "update_refused" });
  });
  const update = query(ZONE, TYPE.SOA, OPCODE.UPDATE);
  const pending = s.handle(update, false, "192.0.2.77");
  assert.ok(pending instanceof Promise);
  update[1] = 99; // the listener reuses its receive buffer: the lane holds a copy
  const answer = s.handle(query(`www.${ZONE}`, TYPE.A), false, "192.0.2.1");
  assert.ok(answer instanceof Uint8Array, "the query is answered synchronously");
  await Promise.resolve();
  assert.deepEqual(handled, [], "the UPDATE has not run before its turn");
  iterations.shift()!();
  assert.equal(await pending, null);
  assert.deepEqual(handled, [7], "the UPDATE ran on its turn, from its own copy of the request");
});
