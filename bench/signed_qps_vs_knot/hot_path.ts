/**
 * In-process micro-benchmark of the signed query path (no sockets): the zone
 * of run.ts (`bench/_support/txt_zone.ts`, 20,000 TXT owners by default)
 * indexed in a `ZoneIndex`, signed by a `ZoneSigner` with a fresh key, and
 * DO=1 questions pushed through `answerSigned` one at a time: µs per signed
 * answer for a cached positive answer, a cached NODATA, a cached black lie
 * (a missing name asked again), a fresh black lie (a new missing name: one
 * signature made), next to the unsigned `answerQuery` and the bare signature.
 *
 *   node --expose-gc --import tsx bench/signed_qps_vs_knot/hot_path.ts [records] [13|15]
 *   ./node_modules/.bin/deno run -A bench/signed_qps_vs_knot/hot_path.ts [records] [13|15]
 *
 * @module
 */

import process from "node:process";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import type { StoredRecord, StoredZone } from "../../packages/core/store/records.ts";
import { answerQuery } from "../../apps/udp-node/pipeline/answer_query.ts";
import { answerSigned, answerSignedFromCache } from "../../apps/udp-node/pipeline/signed_answer.ts";
import { DnsService } from "../../apps/udp-node/dns_service.ts";
import { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { createLogger } from "../../packages/core/log/logger.ts";
import { ZoneSigner } from "../../packages/core/dnssec/zone_signer.ts";
import { generateSigningKey } from "../../packages/core/dnssec/signing_key.ts";
import {
  importNodeSigningKey,
  SIGNS_WITH_NODE_CRYPTO,
} from "../../apps/udp-node/zone_index/node_signing_key.ts";
import { BENCH_ZONE, generateTxtZone, HEX } from "../_support/txt_zone.ts";

const ZONE = BENCH_ZONE;
const count = Number(process.argv[2] ?? 20_000);
const algorithm = Number(process.argv[3] ?? 13);

/** A query with an OPT RR (payload 1232; DO when `dnssec`), as dnsperf -D sends it. */
function query(name: string, type: number, id: number, dnssec: boolean): Uint8Array {
  const labels = name.split(".");
  const out = new Uint8Array(12 + name.length + 2 + 4 + 11);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out[5] = 1; // QDCOUNT
  out[11] = 1; // ARCOUNT
  let p = 12;
  for (const l of labels) {
    out[p++] = l.length;
    for (let i = 0; i < l.length; i++) out[p++] = l.charCodeAt(i);
  }
  out[p++] = 0;
  out[p++] = type >> 8;
  out[p++] = type & 0xff;
  out[p++] = 0;
  out[p++] = 1;
  // OPT: root owner, type 41, class = payload, TTL = ext-rcode, version, DO flag, RDLEN 0.
  out.set([0, 0, 41, 1232 >> 8, 1232 & 0xff, 0, 0, dnssec ? 0x80 : 0, 0, 0, 0], p);
  return out;
}

const zone = generateTxtZone(20261126, count, "bench/signed_qps_vs_knot/hot_path.ts");
const now = Date.now() / 1000;
const stored: StoredRecord[] = [
  ["NS", ZONE, `ns1.${ZONE}`],
  ["A", ZONE, "127.0.0.1"],
  ["A", `ns1.${ZONE}`, "127.0.0.1"],
].map(([type, name, value], i) => ({
  id: i + 1,
  zone: ZONE,
  name,
  type,
  value,
  ttl: 3600,
  createdAt: 0,
  expiresAt: 0,
}));
for (const r of zone.records) {
  stored.push({
    id: stored.length + 1,
    zone: ZONE,
    name: r.name,
    type: "TXT",
    value: r.value,
    ttl: 300,
    createdAt: 0,
    expiresAt: 0,
  });
}
const soa: StoredZone = {
  name: ZONE,
  soaMname: `ns1.${ZONE}`,
  soaRname: `hostmaster.${ZONE}`,
  soaRefresh: 3600,
  soaRetry: 600,
  soaExpire: 604800,
  soaMinimum: 60,
  serial: 2026060201,
};
const index = new ZoneIndex();
index.replaceZone(soa, stored);
// The key as the node imports it (apps/udp-node/zone_index/zone_signers.ts).
const key = await importNodeSigningKey(await generateSigningKey(algorithm));
const signer = new ZoneSigner(ZONE, key);
const signers = new Map([[ZONE, signer]]);
const settings = { maxTtl: 60 };
const transport = { tcp: false, now };

const missing = (n: number) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let mb = zone.pick(HEX, 12);
    while (zone.mailboxes.has(mb)) mb = zone.pick(HEX, 12);
    out.push(`slot-${i % 10}.mb-${mb}.${ZONE}`);
  }
  return out;
};
const names = zone.records.map((r) => r.name);
const positive = Array.from(
  { length: 20_000 },
  (_, i) => query(names[Math.floor(zone.random() * names.length)], 16, i, true),
);
const positiveDo0 = positive.map((p) => {
  const c = p.slice();
  c[c.length - 4] = 0;
  return c;
});
const nodata = names.slice(0, 2000).map((n, i) => query(n, 1, i, true));
const repeatedMissing = missing(1000).map((n, i) => query(n, 16, i, true));

/**
 * Times `fn` over `packets` (each awaited before the next): a warm-up, then
 * three runs of `rounds` calls. The figure is CPU time (user + system of the
 * whole process, so WebCrypto's thread-pool work counts) per answer, median
 * of the runs: on a shared machine wall time mostly measures the neighbours.
 */
async function time(
  label: string,
  packets: readonly Uint8Array[],
  rounds: number,
  fn: (p: Uint8Array) => unknown,
): Promise<number> {
  let sink = 0;
  let i = 0;
  for (let n = 0; n < rounds / 4; n++) sink += (await fn(packets[i++ % packets.length])) ? 1 : 0;
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let n = 0; n < rounds; n++) sink += (await fn(packets[i++ % packets.length])) ? 1 : 0;
    wall.push((performance.now() - t0) * 1000 / rounds);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / rounds);
  }
  const us = [...cpu].sort((a, b) => a - b)[1];
  process.stdout.write(
    `${label.padEnd(56)} ${us.toFixed(2).padStart(7)} µs CPU/answer (${
      (1000 / us).toFixed(1)
    }k/s of CPU; runs ${cpu.map((x) => x.toFixed(1)).join(", ")}; wall ${
      wall.map((x) => x.toFixed(1)).join(", ")
    })${sink < 0 ? "!" : ""}\n`,
  );
  return us;
}

const signed = (p: Uint8Array) => answerSigned(p, index, signers, settings, transport);
// The node's wiring (apps/udp-node/main.ts): the synchronous cache path first where there is one.
const service = new DnsService({
  index,
  metrics: new MetricsRegistry(),
  logger: createLogger({ name: "b", level: "ERROR", format: "text", sink: () => {} }),
  query: { maxTtl: 60, signedZones: new Set([ZONE]) },
  rate: 0,
  burst: 0,
  maxConcurrency: 1024,
});
service.setSignedHandler(
  async (request) => await signed(request) ?? { bytes: null, outcome: "malformed" },
  (request, ctx) => answerSignedFromCache(request, index, signers, settings, ctx),
);
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
collect();
const mem0 = process.memoryUsage();

process.stdout.write(
  `${count} TXT owners, algorithm ${algorithm} signed by ${
    SIGNS_WITH_NODE_CRYPTO ? "node:crypto" : "WebCrypto"
  }; one answer at a time (await each)\n`,
);
// Priming: every positive question and NODATA once, the repeated missing names once.
for (const p of [...positive, ...nodata, ...repeatedMissing]) await signed(p);
collect();
process.stdout.write(
  `primed: ${signer.cached} cached signatures, heap +${
    ((process.memoryUsage().heapUsed - mem0.heapUsed) / 2 ** 20).toFixed(1)
  } MiB, array buffers +${
    ((process.memoryUsage().arrayBuffers - mem0.arrayBuffers) / 2 ** 20).toFixed(1)
  } MiB\n`,
);
const wanted = (label: string) => process.argv.length <= 4 || process.argv.includes(label);
if (wanted("unsigned")) {
  await time(
    "answerQuery, DO=0 TXT (unsigned reference)",
    positiveDo0,
    200_000,
    (p) => answerQuery(p, index, settings, transport),
  );
}
if (wanted("positive")) await time("answerSigned, cached positive TXT", positive, 100_000, signed);
if (wanted("service")) {
  await time(
    "DnsService.handle, cached positive TXT (+limiter, metrics)",
    positive,
    100_000,
    (p) => service.handle(p, false, "127.0.0.1"),
  );
}
if (wanted("nodata")) {
  await time("answerSigned, cached NODATA (A at a TXT owner)", nodata, 100_000, signed);
}
if (wanted("negative")) {
  await time(
    "answerSigned, cached black lie (missing name again)",
    repeatedMissing,
    200_000,
    signed,
  );
}
if (wanted("fresh")) {
  // 1,000 per run: 250 to warm up and 3 × 1,000 timed, every name asked once.
  const fresh = missing(3250).map((n, i) => query(n, 16, i, true));
  await time("answerSigned, fresh black lie (new missing name)", fresh, 1000, signed);
}
if (wanted("sign")) {
  const data = new Uint8Array(300).fill(7);
  await time(`key.sign of 300 bytes (algorithm ${algorithm})`, [data], 2000, (d) => key.sign(d));
}
