/**
 * One directory crawl (brief §4.10, issue 6), which unlike the reference
 * aggregator (brief §8.3 item 17) follows what it learns.
 *
 * Breadth-first from the seeds (depth 0): for each zone, read
 * `_dnsmesh-heartbeat.<zone>` and `_dnsmesh-seen.<zone>` through the DoH
 * resolvers (≤ 20 values per RRset, as the node), verify every wire
 * (signature, `exp`, a configurable skew), and keep the newest wire per
 * (operator key, endpoint) with the zones it came through. Every verified
 * seen wire gives an edge from each operator whose heartbeat the zone carries
 * to the seen wire's operator. Each accepted wire names a zone (its
 * claim-provider zone, else its endpoint host); zones not yet visited are
 * crawled at the next depth, up to `maxDepth` hops and `maxZones` zones in
 * all. Everything found is written in one store batch at the end.
 *
 * Zones of one depth are read a few at a time; each zone costs two DoH
 * requests per resolver tried, which bounds the Workers subrequest budget.
 *
 * This module is browser compatible.
 * @module
 */

import { parseHeartbeatWire } from "../../../packages/core/dmp/heartbeat_record.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import {
  type HeartbeatSeenEntry,
  type HeartbeatSeenLimits,
  type SeenEdge,
  storeHeartbeats,
} from "../../../packages/core/store/heartbeats_seen.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { queryTxtOverDoh } from "./doh_query.ts";
import { fetchSeedList, seedToZone, zoneOfHeartbeat } from "./seed_list.ts";

/** Owner label of a node's own heartbeat RRset (brief §4.3). */
export const HEARTBEAT_LABEL = "_dnsmesh-heartbeat";
/** Owner label of a node's seen RRset (brief §4.3). */
export const SEEN_LABEL = "_dnsmesh-seen";
/** Values read per RRset (brief §4.4 step 3). */
export const WIRES_PER_RRSET = 20;
const PARALLEL_ZONES = 4;

/** What a crawl needs. */
export interface CrawlOptions {
  client: SqlClient;
  logger: Logger;
  /** zones (or legacy URLs) to start from */
  seeds: readonly string[];
  /** https seed lists whose entries are added to the seeds */
  seedUrls: readonly string[];
  /** DoH resolvers, tried in order */
  dohUrls: readonly URL[];
  maxDepth: number;
  maxZones: number;
  /** the seen store's bounds (defaults: DMP_DIRECTORY_SEEN_* defaults) */
  limits?: Partial<HeartbeatSeenLimits>;
  /** accepted `|ts − now|` on ingest (brief §8.3 item 14) */
  tsSkewSeconds: number;
  /** unix seconds */
  now: number;
  fetch?: typeof fetch;
}

/** What a crawl did. */
export interface CrawlReport {
  /** zones read, in visiting order, with their depth */
  zones: { zone: string; depth: number }[];
  /** verified wires (after deduplication by operator key and endpoint) */
  accepted: number;
  /** wires that failed verification */
  refused: number;
  /** wires the store took / kept a newer copy of / refused by a quota */
  stored: number;
  stale: number;
  quota: number;
  edges: number;
  /** zones whose lookups failed on every resolver */
  failures: { zone: string; reason: string }[];
}

interface Found {
  entry: HeartbeatSeenEntry & { via: string[] };
}

/**
 * Runs one crawl and stores what it found.
 *
 * @param options store, logger, seeds, resolvers, bounds and the clock
 * @returns a report of what was read and stored
 */
export async function runCrawl(options: CrawlOptions): Promise<CrawlReport> {
  const report: CrawlReport = {
    zones: [],
    accepted: 0,
    refused: 0,
    stored: 0,
    stale: 0,
    quota: 0,
    edges: 0,
    failures: [],
  };
  const seeds: string[] = [];
  const addSeed = (z: string) => {
    if (z && !seeds.includes(z)) seeds.push(z);
  };
  for (const s of options.seeds) addSeed(seedToZone(s));
  for (const url of options.seedUrls) {
    const r = await fetchSeedList(url, { fetch: options.fetch });
    if (r.kind === "ok") r.zones.forEach(addSeed);
    else options.logger.warn("directory seed list refused", { url, reason: r.reason });
  }

  const found = new Map<string, Found>(); // spk|endpoint → newest wire
  const edges = new Map<string, SeenEdge>(); // from|to
  const queued = new Set<string>(seeds.slice(0, options.maxZones));
  let level = [...queued];

  const accept = async (wire: string, via: string) => {
    const r = await parseHeartbeatWire(wire, {
      now: options.now,
      tsSkewSeconds: options.tsSkewSeconds,
    });
    if (!r.ok) {
      report.refused++;
      return undefined;
    }
    const rec = r.record;
    const key = `${rec.operatorSpkHex}|${rec.endpoint}`;
    const held = found.get(key);
    if (!held || held.entry.heartbeat.ts < rec.ts) {
      found.set(key, { entry: { heartbeat: rec, via: [...(held?.entry.via ?? []), via] } });
    } else if (!held.entry.via.includes(via)) {
      held.entry.via.push(via);
    }
    return rec;
  };

  const visit = async (zone: string, depth: number): Promise<string[]> => {
    const lookup = (label: string) =>
      queryTxtOverDoh(`${label}.${zone}`, {
        urls: options.dohUrls,
        maxValues: WIRES_PER_RRSET,
        fetch: options.fetch,
      });
    const [hb, seen] = await Promise.all([lookup(HEARTBEAT_LABEL), lookup(SEEN_LABEL)]);
    report.zones.push({ zone, depth });
    for (const r of [hb, seen]) {
      if (r.kind === "failed") report.failures.push({ zone, reason: r.reason });
    }
    const learned: string[] = [];
    const owners = new Set<string>();
    for (const wire of hb.kind === "answer" ? hb.values : []) {
      const rec = await accept(wire, zone);
      if (!rec) continue;
      owners.add(rec.operatorSpkHex);
      learned.push(zoneOfHeartbeat(rec));
    }
    for (const wire of seen.kind === "answer" ? seen.values : []) {
      const rec = await accept(wire, zone);
      if (!rec) continue;
      learned.push(zoneOfHeartbeat(rec));
      for (const from of owners) {
        if (from === rec.operatorSpkHex) continue; // a node never lists itself (brief §4.3)
        const k = `${from}|${rec.operatorSpkHex}`;
        const e = edges.get(k);
        if (!e || e.lastSeenTs < rec.ts) {
          edges.set(k, { fromSpk: from, toSpk: rec.operatorSpkHex, lastSeenTs: rec.ts });
        }
      }
    }
    return learned.filter((z) => z !== "");
  };

  for (let depth = 0; level.length > 0; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += PARALLEL_ZONES) {
      const batch = level.slice(i, i + PARALLEL_ZONES);
      const learned = await Promise.all(batch.map((z) => visit(z, depth)));
      for (const z of learned.flat()) {
        if (depth + 1 > options.maxDepth || queued.has(z)) continue;
        if (queued.size >= options.maxZones) break;
        queued.add(z);
        next.push(z);
      }
    }
    level = next;
  }

  const entries = [...found.values()].map((f) => f.entry);
  report.accepted = entries.length;
  report.edges = edges.size;
  if (entries.length > 0 || edges.size > 0) {
    const outcomes = await storeHeartbeats(options.client, {
      entries,
      edges: [...edges.values()],
      now: options.now,
      limits: options.limits,
    });
    report.stored = outcomes.filter((o) => o === "stored").length;
    report.stale = outcomes.filter((o) => o === "stale").length;
    report.quota = outcomes.filter((o) => o === "quota").length;
  }
  return report;
}
