/**
 * UDP transport on the batched_udp addon (`apps/udp-node/native`): recvmmsg
 * and sendmmsg, one JavaScript call per batch of up to 64 datagrams, answers
 * written into a shared arena (Node on Linux; `udp.ts` picks it). node:dgram
 * spends a syscall, a Buffer, an rinfo object and an event on every datagram;
 * its `send` was the hottest function in the node's CPU profile (issue 15).
 *
 * One datagram in, at most one datagram out (RFC 1035 §4.2.1), as `udp.ts`.
 *
 * @module
 */

import { createRequire } from "node:module";
import { formatIpv6 } from "../../../packages/core/values/ipv6.ts";
import type { DnsService } from "../dns_service.ts";
import type { UdpListener } from "./udp.ts";

/** The addon's interface (apps/udp-node/native/index.d.ts). */
import type { BatchedUdpAddon as Addon } from "../native/index.d.ts";

interface BatchedUdpModule {
  addon: Addon | null;
  loadError: string | null;
}

/** The largest datagram a slot receives: a bigger one is flagged, not truncated into a query. */
const IN_SLOT_BYTES = 65536;
/** The largest answer a slot holds: any UDP payload fits. */
const OUT_SLOT_BYTES = 65536;
/** Direct-mapped cache of IPv4 address strings (the rate limiter keys on them). */
const ADDRESS_CACHE_SLOTS = 1024;

/** The addon, or why it is not available here. */
export function loadBatchedUdp(): { addon: Addon | null; loadError: string | null } {
  try {
    const m = createRequire(import.meta.url)("@dmp-edge/batched-udp") as BatchedUdpModule;
    return { addon: m.addon, loadError: m.loadError };
  } catch (e) {
    return { addon: null, loadError: `batched UDP package missing (${(e as Error).message})` };
  }
}

/**
 * A client address as node:dgram's `rinfo.address` spells it (the rate
 * limiters and the query log key on this text): dotted IPv4, RFC 5952 IPv6,
 * and `::ffff:a.b.c.d` for IPv4 clients of a dual-stack `::` socket.
 *
 * @param bytes the address bytes (IPv4 in the first 4 of 16)
 * @param at where the address starts in `bytes`
 * @param family 4 or 6
 * @returns the address text
 */
export function clientAddressText(bytes: Uint8Array, at: number, family: number): string {
  if (family === 4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const b = bytes.subarray(at, at + 16);
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) mapped = b[i] === 0;
  return mapped ? `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}` : formatIpv6(b);
}

/** Binds UDP on host:port with the addon and answers through `service`. */
export function listenUdpBatched(
  addon: Addon,
  service: DnsService,
  host: string,
  port: number,
): Promise<UdpListener> {
  const batch = addon.BATCH;
  const words = addon.META_WORDS;
  const inArena = new ArrayBuffer(IN_SLOT_BYTES * batch);
  const outArena = new ArrayBuffer(OUT_SLOT_BYTES * batch);
  const metaArena = new ArrayBuffer(4 * words * batch);
  const input = new Uint8Array(inArena);
  const output = new Uint8Array(outArena);
  const meta = new Int32Array(metaArena);
  const metaBytes = new Uint8Array(metaArena);
  const cacheKeys = new Int32Array(ADDRESS_CACHE_SLOTS);
  const cacheText: string[] = new Array(ADDRESS_CACHE_SLOTS).fill("");

  /** The client address of slot metadata at word `m`; IPv4 texts are cached. */
  const addressOf = (m: number): string => {
    if (meta[m + 1] !== 4) return clientAddressText(metaBytes, (m + 3) * 4, meta[m + 1]);
    const key = meta[m + 3];
    const slot = (Math.imul(key, 0x9e3779b1) >>> 22) & (ADDRESS_CACHE_SLOTS - 1);
    const cached = cacheText[slot];
    if (cacheKeys[slot] === key && cached !== "") return cached;
    const text = clientAddressText(metaBytes, (m + 3) * 4, 4);
    cacheKeys[slot] = key;
    cacheText[slot] = text;
    return text;
  };

  let handle: ReturnType<Addon["open"]>[0] | undefined;
  /** An answer that came after its batch (UPDATE, signed, transfer): sent on its own. */
  const sendLater = (pending: Promise<Uint8Array | null>, m: number): void => {
    const family = meta[m + 1];
    const peerPort = meta[m + 2];
    const address = metaBytes.slice((m + 3) * 4, (m + 3) * 4 + 16);
    pending.then((bytes) => {
      if (bytes && handle) addon.sendTo(handle, bytes, family, peerPort, address);
    }).catch(() => {});
  };

  const onBatch = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const m = i * words;
      const length = meta[m];
      if (length <= 0) continue; // larger than a slot (or empty): no DNS query is, drop it
      const start = i * IN_SLOT_BYTES;
      // The slot is reused by the next batch: DnsService copies the request before any await.
      const r = service.handle(input.subarray(start, start + length), false, addressOf(m));
      if (r === null) continue;
      if (r instanceof Uint8Array) {
        if (r.length > OUT_SLOT_BYTES) continue;
        output.set(r, i * OUT_SLOT_BYTES);
        meta[m + 7] = r.length;
      } else sendLater(r, m);
    }
  };

  try {
    const [h, boundPort] = addon.open(
      host,
      port,
      onBatch,
      inArena,
      outArena,
      metaArena,
      IN_SLOT_BYTES,
      OUT_SLOT_BYTES,
    );
    handle = h;
    return Promise.resolve({
      port: boundPort,
      io: "recvmmsg",
      close: () => {
        if (handle) addon.close(handle);
        handle = undefined;
        return Promise.resolve();
      },
    });
  } catch (e) {
    return Promise.reject(e);
  }
}
