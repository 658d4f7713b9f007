/**
 * Outgoing NOTIFY (RFC 1996): on every serial change of a zone with a
 * transfer policy, each configured secondary is told over UDP, the message
 * TSIG-signed when the target names a key, and retried with doubling
 * timeouts until it answers (RFC 1996 §3.6) or the tries run out. A newer
 * serial supersedes the retries of an older one.
 *
 * One node sends: the holder of the `notify` lease (store/leases.ts), taken
 * and renewed on the primary every third of a lease period (10 s) by every
 * node, so a stopped holder (which releases it) is replaced within 10 s and
 * a crashed one within 40 s. Every node follows the
 * same journal, so whichever holds the lease sees every serial change; a
 * change made while the lease moves is notified by the new holder, which
 * notifies every zone once when it takes the lease over.
 *
 * A zone is notified at most once per {@linkcode NOTIFY_MIN_INTERVAL_MS}
 * (BIND's `notify-delay`): the changes of a write burst go out as one
 * NOTIFY for the serial reached when the interval ends, instead of one per
 * journal catch-up (tens a second under UPDATE load), each of which starts
 * a transfer at every secondary.
 *
 * @module
 */

import dgram from "node:dgram";
import { randomUUID } from "node:crypto";
import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { acquireLease, releaseLease } from "../../../packages/core/store/leases.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import {
  listTransferPolicies,
  type NotifyTarget,
} from "../../../packages/core/store/transfer_policy.ts";
import type { Keyring } from "../../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../../packages/core/tsig/sign.ts";
import { verifyResponse } from "../../../packages/core/tsig/verify_response.ts";
import { CLASS, OPCODE, RCODE, rcodeName, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../../packages/core/wire/message.ts";
import { parseIpv4 } from "../../../packages/core/values/ipv4.ts";
import { parseIpv6 } from "../../../packages/core/values/ipv6.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";

/** Name of the lease row. */
export const NOTIFY_LEASE = "notify";
/** Seconds a lease lasts; renewed every third of it. */
export const NOTIFY_LEASE_SECONDS = 30;
/** Least time between two NOTIFYs for one zone, in ms; changes meanwhile go out together. */
export const NOTIFY_MIN_INTERVAL_MS = 1000;
/** Timeouts of the successive tries, in ms (RFC 1996 §3.6: retransmit, with backoff). */
export const NOTIFY_RETRY_MS: readonly number[] = [1000, 2000, 4000, 8000, 16000];

/** Dependencies of {@linkcode NotifySender}. */
export interface NotifyDeps {
  index: ZoneIndex;
  /** where policies are read (local database or replica) */
  client: SqlClient;
  /** the primary, where the lease is written */
  writer: SqlClient;
  keyring: Keyring;
  logger: Logger;
  metrics: MetricsRegistry;
  /** tries and their timeouts; tests may shorten them */
  retryMs?: readonly number[];
}

/** Sends NOTIFY for serial changes while this node holds the lease. */
export class NotifySender {
  #d: NotifyDeps;
  #id = randomUUID();
  #held = false;
  #leaseCheckedAt = 0;
  /** zone → serial last notified */
  #notified = new Map<string, number>();
  /** `zone address port` → generation, so a newer serial cancels older retries */
  #generation = new Map<string, number>();
  #inFlight = new Set<Promise<void>>();
  #stopped = false;
  /** zone → when (ms) its last NOTIFY went out */
  #sentAt = new Map<string, number>();
  /** zone → the timer that notifies it once its interval has passed */
  #deferred = new Map<string, ReturnType<typeof setTimeout>>();
  /** the tick running or last run: ticks run one at a time (a deferred one may meet the loop's) */
  #ticking: Promise<void> = Promise.resolve();

  constructor(deps: NotifyDeps) {
    this.#d = deps;
  }

  /** Whether this node holds the notify lease. */
  get holdsLease(): boolean {
    return this.#held;
  }

  /** Runs after each journal catch-up: renews the lease, then notifies changed zones. */
  tick(now: number): Promise<void> {
    const run = this.#ticking.then(() => this.#tick(now));
    this.#ticking = run.catch(() => {});
    return run;
  }

  async #tick(now: number): Promise<void> {
    if (this.#stopped) return;
    // Holder or not, one lease write per third of a lease period: bounded load on the primary.
    if (now - this.#leaseCheckedAt >= NOTIFY_LEASE_SECONDS / 3) {
      this.#leaseCheckedAt = now;
      const held = await acquireLease(
        this.#d.writer,
        NOTIFY_LEASE,
        this.#id,
        now,
        NOTIFY_LEASE_SECONDS,
      );
      if (held !== this.#held) {
        this.#d.logger.info(held ? "took the NOTIFY lease" : "lost the NOTIFY lease");
        // A new holder notifies everything once: a change may have landed while nobody held it.
        this.#notified.clear();
      }
      this.#held = held;
    }
    if (!this.#held) return;
    const changed = this.#d.index.zoneNames().filter((z) =>
      this.#notified.get(z) !== this.#d.index.zone(z)?.soa.serial && this.#due(z)
    );
    if (changed.length === 0) return;
    const policies = new Map(
      (await listTransferPolicies(this.#d.client)).map((p) => [p.zone, p]),
    );
    for (const zoneName of changed) {
      const zone = this.#d.index.zone(zoneName);
      if (!zone) continue;
      this.#notified.set(zoneName, zone.soa.serial);
      this.#sentAt.set(zoneName, Date.now());
      for (const target of policies.get(zoneName)?.notify ?? []) {
        const p = this.#send(zoneName, zone.soa.serial, zone.soaRdata, target);
        this.#inFlight.add(p);
        p.finally(() => this.#inFlight.delete(p));
      }
    }
  }

  /**
   * Whether `zone` may be notified now; if not, a tick is set for when it may
   * (the change is then notified with whatever serial the zone has by then).
   */
  #due(zone: string): boolean {
    const wait = (this.#sentAt.get(zone) ?? -Infinity) + NOTIFY_MIN_INTERVAL_MS - Date.now();
    if (wait <= 0) return true;
    if (!this.#deferred.has(zone)) {
      this.#deferred.set(
        zone,
        setTimeout(() => {
          this.#deferred.delete(zone);
          this.tick(Date.now() / 1000).catch((e) =>
            this.#d.logger.warn("deferred NOTIFY failed; the next sync retries it", {
              zone,
              error: String(e),
            })
          );
        }, wait),
      );
    }
    return false;
  }

  /** Stops retries and gives the lease up. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#deferred.values()) clearTimeout(timer);
    this.#deferred.clear();
    for (const k of this.#generation.keys()) this.#generation.set(k, -1);
    await Promise.allSettled([...this.#inFlight]);
    if (this.#held) {
      try {
        await releaseLease(this.#d.writer, NOTIFY_LEASE, this.#id);
      } catch { /* the lease expires by itself */ }
    }
  }

  async #send(zone: string, serial: number, soaRdata: Uint8Array, t: NotifyTarget): Promise<void> {
    const slot = `${zone} ${t.address} ${t.port}`;
    const gen = (this.#generation.get(slot) ?? 0) + 1;
    this.#generation.set(slot, gen);
    const key = t.key ? this.#d.keyring.lookup(t.key) : undefined;
    if (t.key && !key) {
      this.#d.logger.warn("NOTIFY not sent: its TSIG key is unknown or inactive", {
        zone,
        key: t.key,
        to: `${t.address}#${t.port}`,
      });
      return;
    }
    const tries = this.#d.retryMs ?? NOTIFY_RETRY_MS;
    for (let i = 0; i < tries.length; i++) {
      if (this.#generation.get(slot) !== gen || this.#stopped) return;
      const id = (Math.random() * 0x10000) >>> 0;
      const unsigned = encodeMessage({
        id,
        flags: 0x0400, // AA (RFC 1996 §3.7)
        opcode: OPCODE.NOTIFY,
        rcode: 0,
        questions: [{ name: zone, type: TYPE.SOA, class: CLASS.IN }],
        // RFC 1996 §3.7: the SOA may ride along as a hint of the new serial.
        answers: [{ name: zone, type: TYPE.SOA, class: CLASS.IN, ttl: 0, rdata: soaRdata }],
        authorities: [],
        additionals: [],
      });
      const now = Math.floor(Date.now() / 1000);
      const signed = key ? await signRequest(unsigned, { key, now }) : undefined;
      const reply = await exchange(t, signed?.wire ?? unsigned, tries[i]);
      if (!reply) {
        this.#d.metrics.inc("dmp_notify_sent_total", { result: "timeout" });
        continue;
      }
      const decoded = decodeMessage(reply);
      if (!decoded.ok || decoded.message.id !== id || (decoded.message.flags & 0x8000) === 0) {
        continue;
      }
      if (key && signed) {
        const v = await verifyResponse(reply, decoded.message.tsigOffset, {
          key,
          requestMac: signed.mac,
          now: Math.floor(Date.now() / 1000),
        });
        if (!v.ok) {
          this.#d.metrics.inc("dmp_notify_sent_total", { result: "tsig_failed" });
          this.#d.logger.warn(`NOTIFY answer failed TSIG (${v.reason})`, {
            zone,
            to: `${t.address}#${t.port}`,
          });
          continue;
        }
      }
      const rcode = decoded.message.rcode;
      this.#d.metrics.inc("dmp_notify_sent_total", { result: rcodeName(rcode) });
      const log = rcode === RCODE.NOERROR ? this.#d.logger.info : this.#d.logger.warn;
      log.call(this.#d.logger, `NOTIFY for ${zone} answered ${rcodeName(rcode)}`, {
        serial,
        to: `${t.address}#${t.port}`,
        tries: i + 1,
      });
      return;
    }
    if (this.#generation.get(slot) === gen && !this.#stopped) {
      this.#d.logger.warn(`NOTIFY for ${zone} unanswered after ${tries.length} tries`, {
        serial,
        to: `${t.address}#${t.port}`,
      });
    }
  }
}

/** Sends one datagram from a fresh socket (random source port) and waits for one reply. */
function exchange(
  t: NotifyTarget,
  packet: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array | null> {
  const sock = dgram.createSocket(t.address.includes(":") ? "udp6" : "udp4");
  return new Promise<Uint8Array | null>((resolve) => {
    const done = (v: Uint8Array | null) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch { /* closed */ }
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on("error", () => done(null));
    sock.on("message", (msg, rinfo) => {
      // Only the target may answer (a spoofed reply from elsewhere is ignored).
      if (rinfo.port === t.port && sameAddress(rinfo.address, t.address)) {
        done(new Uint8Array(msg));
      }
    });
    sock.send(packet, t.port, t.address);
  });
}

/** Address equality across spellings (`::1` vs `0:0::1`, IPv4-mapped IPv6). */
function sameAddress(a: string, b: string): boolean {
  const norm = (x: string) => {
    const v4 = x.replace(/^::ffff:/i, "");
    const bytes = v4.includes(":") ? parseIpv6(v4) : parseIpv4(v4);
    return bytes ? bytes.join(".") : x;
  };
  return norm(a) === norm(b);
}
