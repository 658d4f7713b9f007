/**
 * In-process micro-benchmark of the udp-node's query path (no sockets): the
 * zone of run.ts (same generator shape: 100,000 TXT owners) indexed in a
 * `ZoneIndex`, then the same query mix pushed through each stage many times.
 * Shows where the per-query microseconds go between parse, lookup, encode and
 * the service wrapper (rate limiter off, metrics on).
 *
 *   node --expose-gc --import tsx bench/udp_qps_vs_nsd/hot_path.ts   (Node, as the node runs)
 *   ./node_modules/.bin/deno run -A bench/udp_qps_vs_nsd/hot_path.ts
 *
 * @module
 */

import process from "node:process";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import type { StoredRecord, StoredZone } from "../../packages/core/store/records.ts";
import { answerQuery } from "../../apps/udp-node/pipeline/answer_query.ts";
import { parseRequest, questionName } from "../../apps/udp-node/pipeline/parse_query.ts";
import { DnsService } from "../../apps/udp-node/dns_service.ts";
import { QueryLogRecorder } from "../../apps/udp-node/query_log/query_log_recorder.ts";
import { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { createLogger } from "../../packages/core/log/logger.ts";
import { seededRandom } from "../../tests/_support/seeded_random.ts";

const ZONE = "bench.test";
const HEX = "0123456789abcdef";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function query(name: string, type: number, id: number): Uint8Array {
  const labels = name.split(".");
  const out = new Uint8Array(12 + name.length + 2 + 4);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out[2] = 0x01; // RD
  out[5] = 1; // QDCOUNT
  let p = 12;
  for (const l of labels) {
    out[p++] = l.length;
    for (let i = 0; i < l.length; i++) out[p++] = l.charCodeAt(i);
  }
  out[p++] = 0;
  out[p++] = 0;
  out[p++] = type;
  out[p++] = 0;
  out[p++] = 1;
  return out;
}

const r = seededRandom(20260602);
const pick = (alphabet: string, n: number) => {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
};
const count = Number(process.argv[2] ?? 100_000);
const now = Date.now() / 1000;
const records: StoredRecord[] = [
  {
    id: 1,
    zone: ZONE,
    name: ZONE,
    type: "NS",
    value: `ns1.${ZONE}`,
    ttl: 3600,
    createdAt: 0,
    expiresAt: 0,
  },
  {
    id: 2,
    zone: ZONE,
    name: ZONE,
    type: "A",
    value: "127.0.0.1",
    ttl: 3600,
    createdAt: 0,
    expiresAt: 0,
  },
];
const names: string[] = [];
while (names.length < count) {
  const mb = pick(HEX, 12);
  for (let k = 0; k < 10; k++) {
    const len = 100 + Math.floor(r() * 156);
    const head = `v=dmp1;t=id;k=${pick(B64, 43)};s=`;
    const name = `slot-${k}.mb-${mb}.${ZONE}`;
    names.push(name);
    records.push({
      id: records.length + 1,
      zone: ZONE,
      name,
      type: "TXT",
      value: head + pick(B64, len - head.length),
      ttl: 300,
      createdAt: 0,
      expiresAt: 0,
    });
  }
}
const zone: StoredZone = {
  name: ZONE,
  soaMname: `ns1.${ZONE}`,
  soaRname: `hostmaster.${ZONE}`,
  soaRefresh: 3600,
  soaRetry: 600,
  soaExpire: 604800,
  soaMinimum: 60,
  serial: 2026060201,
};
// With --expose-gc the memory figures are of live data, not of garbage not yet collected.
// Values are built by concatenation: flatten them first, or the index's own encoding of them
// frees the rope pieces and the heap appears to shrink.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const flattener = new TextEncoder();
for (const r of records) flattener.encode(r.value);
collect();
const mem0 = process.memoryUsage();
const index = new ZoneIndex();
index.replaceZone(zone, records);
collect();
const mem1 = process.memoryUsage();

const packets: Uint8Array[] = [];
for (let i = 0; i < 20_000; i++) {
  const x = r();
  if (x < 0.9) packets.push(query(names[Math.floor(r() * names.length)], 16, i));
  else if (x < 0.99) packets.push(query(`slot-1.mb-${pick(HEX, 12)}x.${ZONE}`, 16, i));
  else packets.push(query(ZONE, 6, i));
}
const qnames = packets.map((p) => {
  const q = parseRequest(p);
  return q.kind === "query" ? questionName(q, p) : "";
});
const service = new DnsService({
  index,
  metrics: new MetricsRegistry(),
  logger: createLogger({ name: "b", level: "ERROR", format: "text", sink: () => {} }),
  query: { maxTtl: 60 },
  rate: 0,
  burst: 0,
  maxConcurrency: 128,
});

// The same with the query log at its defaults (DMP_QUERY_LOG_SAMPLE=100, 20 a second).
const loggedService = new DnsService({
  index,
  metrics: new MetricsRegistry(),
  logger: createLogger({ name: "b", level: "ERROR", format: "text", sink: () => {} }),
  query: { maxTtl: 60 },
  rate: 0,
  burst: 0,
  maxConcurrency: 128,
  queryLog: new QueryLogRecorder({ every: 100, maxPerSecond: 20, capacity: 500 }),
});

function time(label: string, fn: (i: number) => unknown): void {
  const rounds = 400_000;
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += fn(i % packets.length) ? 1 : 0; // warm up
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) sink += fn(i % packets.length) ? 1 : 0;
  const ns = (performance.now() - t0) * 1e6 / rounds;
  process.stdout.write(
    `${label.padEnd(44)} ${(ns / 1000).toFixed(2).padStart(6)} µs/query  ` +
      `(${(1e9 / ns / 1000).toFixed(0)}k/s on one core)${sink < 0 ? "!" : ""}\n`,
  );
}

process.stdout.write(
  `${count} TXT owners indexed; heap +${
    ((mem1.heapUsed - mem0.heapUsed) / 2 ** 20).toFixed(0)
  } MiB, ` +
    `RSS +${((mem1.rss - mem0.rss) / 2 ** 20).toFixed(0)} MiB, array buffers +${
      ((mem1.arrayBuffers - mem0.arrayBuffers) / 2 ** 20).toFixed(0)
    } MiB\n`,
);
time("parseRequest", (i) => parseRequest(packets[i]));
time("ZoneIndex.lookup (qname given)", (i) => index.lookup(qnames[i], 16, now));
time(
  "answerQuery (parse+lookup+encode)",
  (i) => answerQuery(packets[i], index, { maxTtl: 60 }, { tcp: false, now }),
);
time(
  "DnsService.handle (+clock, limiter, metrics)",
  (i) => service.handle(packets[i], false, "127.0.0.1"),
);
time(
  "DnsService.handle with the query log (1/100)",
  (i) => loggedService.handle(packets[i], false, "127.0.0.1"),
);
time("parseRequest + ZoneIndex.lookup (fresh qname)", (i) => {
  const q = parseRequest(packets[i]);
  return q.kind === "query" && index.lookup(questionName(q, packets[i]), q.qtype, now);
});
time("parseRequest + answer table find", (i) => {
  const q = parseRequest(packets[i]);
  return q.kind === "query" &&
    index.answerTable()!.find(q.key, q.keyLength, q.keyHash, q.qtype, now) >= 0;
});
const kinds = packets.map((p) => {
  const q = parseRequest(p);
  if (q.kind !== "query") return "other";
  return q.qtype === 6 ? "soa" : index.lookup(questionName(q, p), q.qtype, now).kind;
});
for (const kind of ["answer", "nxdomain", "soa"]) {
  const subset = packets.filter((_, i) => kinds[i] === kind);
  time(
    `answerQuery, ${kind} only (${subset.length})`,
    (i) => answerQuery(subset[i % subset.length], index, { maxTtl: 60 }, { tcp: false, now }),
  );
}
