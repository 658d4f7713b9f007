/**
 * The heartbeat worker (brief §4.3–§4.4), wire-compatible with the reference:
 *
 * Each tick, for every zone the node serves: sign our heartbeat (endpoint,
 * operator key, version, claim-provider capability, the zone) and publish it
 * at `_dnsmesh-heartbeat.<zone>`, deleting only our own previous wire (other
 * nodes of a cluster may share the RRset). Then harvest peers: from the
 * seeds and every zone learned so far (bounded), read `_dnsmesh-heartbeat`
 * and `_dnsmesh-seen` through the configured resolvers (≤ 20 wires per
 * RRset), verify each (signature and `exp` always; a wider clock skew than
 * the reference's 300 s, brief §8.3 item 14), skip our own key, and keep the
 * newest wire per (operator key, endpoint). Finally republish the verified
 * peers (≤ 50 newest, never ourselves) at `_dnsmesh-seen.<zone>`.
 * We tick every 240 s by default, inside the reference's 300 s window, so
 * reference peers never reject our wires as stale.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Config } from "../../../packages/core/config/env.ts";
import { claimProviderEnabled } from "../../../packages/core/config/env.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import {
  CAP_CLAIM_PROVIDER,
  type HeartbeatRecord,
  parseHeartbeatWire,
  signHeartbeatWire,
} from "../../../packages/core/dmp/heartbeat_record.ts";
import {
  parseOperatorSeedFile,
  publicKeyFromSeed,
} from "../../../packages/core/dmp/ed25519_keys.ts";
import { bytesToHex } from "../../../packages/core/dmp/hex.ts";
import {
  applyRecordChanges,
  readRecordsByName,
  type RecordChange,
} from "../../../packages/core/store/records.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { parseResolvers, resolveTxt } from "./txt_resolver.ts";

/** Owner label of the heartbeat RRset. */
export const HEARTBEAT_LABEL = "_dnsmesh-heartbeat";
/** Owner label of the seen RRset. */
export const SEEN_LABEL = "_dnsmesh-seen";
const WIRES_PER_RRSET = 20;
const SEEN_PUBLISH_LIMIT = 50;
const SEEN_STORE_LIMIT = 1000;
/** TTL of the heartbeat and seen TXT records; their lifetime is DMP_HEARTBEAT_TTL_SECONDS. */
const HEARTBEAT_RECORD_TTL = 60;

/** A verified peer wire held in memory. */
export interface SeenPeer {
  record: HeartbeatRecord;
  /** zone the wire was harvested from */
  via: string;
}

/** The worker; `tick()` runs one round, `start()` runs ticks on the interval. */
export class HeartbeatWorker {
  #config: Config;
  #client: SqlClient;
  #index: ZoneIndex;
  #log: Logger;
  #seed: Uint8Array;
  #spkHex = "";
  #published = new Map<string, string>(); // zone → our last wire
  #seenPublished = new Map<string, Set<string>>(); // zone → wires we put in the seen RRset
  #seen = new Map<string, SeenPeer>(); // spk|endpoint → newest wire
  #learned = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #afterWrite: () => Promise<void>;

  private constructor(
    deps: {
      config: Config;
      client: SqlClient;
      index: ZoneIndex;
      logger: Logger;
      afterWrite: () => Promise<void>;
    },
    seed: Uint8Array,
  ) {
    this.#config = deps.config;
    this.#client = deps.client;
    this.#index = deps.index;
    this.#log = deps.logger;
    this.#seed = seed;
    this.#afterWrite = deps.afterWrite;
  }

  /** Builds the worker from config, or explains (log) why heartbeat stays off. */
  static async create(
    deps: {
      config: Config;
      client: SqlClient;
      index: ZoneIndex;
      logger: Logger;
      afterWrite: () => Promise<void>;
    },
  ): Promise<HeartbeatWorker | undefined> {
    const c = deps.config;
    if (!c.DMP_HEARTBEAT_ENABLED) return undefined;
    if (!c.DMP_HEARTBEAT_SELF_ENDPOINT || !c.DMP_HEARTBEAT_OPERATOR_KEY_PATH) {
      deps.logger.error(
        "heartbeat disabled: DMP_HEARTBEAT_SELF_ENDPOINT and DMP_HEARTBEAT_OPERATOR_KEY_PATH are required",
      );
      return undefined;
    }
    let seed: Uint8Array | null = null;
    try {
      // Not stripped blindly: a raw 32-byte seed may begin or end with whitespace bytes (brief §8.3 item 16).
      seed = parseOperatorSeedFile(new Uint8Array(readFileSync(c.DMP_HEARTBEAT_OPERATOR_KEY_PATH)));
    } catch (e) {
      deps.logger.error("heartbeat disabled: cannot read the operator key file", {
        error: String(e),
      });
      return undefined;
    }
    if (!seed) {
      deps.logger.error(
        "heartbeat disabled: the operator key file must hold 32 raw bytes or 64 hex characters",
      );
      return undefined;
    }
    const w = new HeartbeatWorker(deps, seed);
    w.#spkHex = bytesToHex(await publicKeyFromSeed(seed));
    return w;
  }

  /** Our operator key, hex. */
  get operatorSpkHex(): string {
    return this.#spkHex;
  }

  /** Verified peers, newest first. */
  peers(): SeenPeer[] {
    return [...this.#seen.values()].sort((a, b) => b.record.ts - a.record.ts);
  }

  /** Runs a tick now and then every interval; bounded by `stop()`. */
  start(): void {
    const run = () => {
      if (this.#running) return;
      this.#running = this.tick().catch((e) =>
        this.#log.warn("heartbeat tick failed", { error: String(e) })
      ).finally(
        () => this.#running = undefined,
      );
    };
    run();
    this.#timer = setInterval(run, this.#config.DMP_HEARTBEAT_INTERVAL_SECONDS * 1000);
  }

  /** Stops the interval and waits for a running tick. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** One round: publish, harvest, republish seen. */
  async tick(now = Date.now() / 1000): Promise<void> {
    const t = Math.floor(now);
    const zones = this.#index.zoneNames().filter((z) => z !== "");
    const changes: RecordChange[] = [];
    const capable = this.#config.DMP_DNS_UPDATE_ENABLED && claimProviderEnabled(this.#config);
    for (const zone of zones) {
      const owner = `${HEARTBEAT_LABEL}.${zone}`;
      let wire: string;
      try {
        wire = await signHeartbeatWire({
          endpoint: this.#config.DMP_HEARTBEAT_SELF_ENDPOINT!,
          version: this.#config.DMP_HEARTBEAT_VERSION,
          capabilities: capable ? CAP_CLAIM_PROVIDER : 0,
          claimProviderZone: zone,
          ts: t,
          exp: t + this.#config.DMP_HEARTBEAT_TTL_SECONDS,
        }, this.#seed);
      } catch (e) {
        this.#log.error("cannot sign heartbeat (invalid endpoint or zone?)", {
          zone,
          error: String(e),
        });
        continue;
      }
      const previous = this.#published.get(zone) ?? await this.#findOwnWire(owner, t);
      if (previous) {
        changes.push({ op: "delete_value", zone, name: owner, type: "TXT", value: previous });
      }
      changes.push(this.#addTxt(zone, owner, wire));
      this.#published.set(zone, wire);
    }
    if (changes.length) {
      await applyRecordChanges(this.#client, changes, { now: t });
      await this.#afterWrite();
    }
    await this.#harvest(new Set(zones), t);
    await this.#publishSeen(zones, t);
  }

  /** An add of one heartbeat or seen TXT value at `owner`. */
  #addTxt(zone: string, owner: string, value: string): RecordChange {
    return {
      op: "add",
      zone,
      name: owner,
      type: "TXT",
      value,
      ttl: HEARTBEAT_RECORD_TTL,
      lifetime: this.#config.DMP_HEARTBEAT_TTL_SECONDS,
    };
  }

  /** First tick after a restart: our own wire from a previous process (brief §4.3 orphan sweep). */
  async #findOwnWire(owner: string, now: number): Promise<string | undefined> {
    for (const r of await readRecordsByName(this.#client, [owner], now)) {
      const hb = await parseHeartbeatWire(r.value, { now, checkFreshness: false });
      if (hb.ok && hb.record.operatorSpkHex === this.#spkHex) return r.value;
    }
    return undefined;
  }

  async #harvest(own: Set<string>, now: number): Promise<void> {
    const resolvers = parseResolvers(this.#config.DMP_HEARTBEAT_DNS_RESOLVERS);
    if (resolvers.length === 0) return;
    const targets: string[] = [];
    for (const z of [...this.#config.DMP_HEARTBEAT_SEEDS.map(normalizeSeed), ...this.#learned]) {
      if (z && !own.has(z) && !targets.includes(z)) targets.push(z);
      if (targets.length >= this.#config.DMP_HEARTBEAT_MAX_PEERS) break;
    }
    for (const zone of targets) {
      for (const label of [HEARTBEAT_LABEL, SEEN_LABEL]) {
        const wires = await resolveTxt(`${label}.${zone}`, resolvers, {
          maxValues: WIRES_PER_RRSET,
        });
        for (const wire of wires ?? []) await this.#accept(wire, zone, now);
      }
    }
  }

  async #accept(wire: string, via: string, now: number): Promise<void> {
    const r = await parseHeartbeatWire(wire, {
      now,
      tsSkewSeconds: this.#config.DMP_HEARTBEAT_INGEST_SKEW_SECONDS,
    });
    if (!r.ok || r.record.operatorSpkHex === this.#spkHex) return;
    const key = `${r.record.operatorSpkHex}|${r.record.endpoint}`;
    const held = this.#seen.get(key);
    if (held && held.record.ts > r.record.ts) return;
    this.#seen.set(key, { record: r.record, via });
    const zone = r.record.claimProviderZone || hostOf(r.record.endpoint);
    if (zone) this.#learned.add(zone.toLowerCase());
    // Bounded memory: drop the oldest wires beyond the cap, and expired ones.
    for (const [k, p] of this.#seen) if (p.record.exp <= now) this.#seen.delete(k);
    if (this.#seen.size > SEEN_STORE_LIMIT) {
      const oldest = this.peers().slice(SEEN_STORE_LIMIT);
      for (const p of oldest) this.#seen.delete(`${p.record.operatorSpkHex}|${p.record.endpoint}`);
    }
  }

  async #publishSeen(zones: string[], now: number): Promise<void> {
    const next = this.peers().filter((p) => p.record.exp > now).slice(0, SEEN_PUBLISH_LIMIT).map((
      p,
    ) => p.record.wire);
    const changes: RecordChange[] = [];
    for (const zone of zones) {
      const owner = `${SEEN_LABEL}.${zone}`;
      const before = this.#seenPublished.get(zone) ?? new Set(
        (await readRecordsByName(this.#client, [owner], now)).map((r) => r.value),
      );
      const after = new Set(next);
      for (const w of before) {
        if (!after.has(w)) {
          changes.push({ op: "delete_value", zone, name: owner, type: "TXT", value: w });
        }
      }
      for (const w of after) {
        if (!before.has(w)) {
          changes.push(this.#addTxt(zone, owner, w));
        }
      }
      this.#seenPublished.set(zone, after);
    }
    if (changes.length) {
      await applyRecordChanges(this.#client, changes, { now });
      await this.#afterWrite();
    }
  }
}

/** Seeds may be bare zones or legacy URLs (`https://host[:port]/…` → host; brief §4.4). */
function normalizeSeed(seed: string): string {
  const s = seed.trim().toLowerCase();
  const m = /^[a-z]+:\/\/([^/:?#]+)/.exec(s);
  return (m ? m[1] : s.split(":")[0]).replace(/\.$/, "");
}

function hostOf(endpoint: string): string {
  const m = /^[a-z]+:\/\/([^/:?#\]]+)/i.exec(endpoint);
  if (!m || /^[\d.]+$/.test(m[1])) return "";
  return m[1];
}
