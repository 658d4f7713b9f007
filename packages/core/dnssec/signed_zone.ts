/**
 * A whole zone signed the conventional way (RFC 4035 §2), for zone transfers:
 * what a secondary must receive to serve the zone signed without holding the
 * key. Online answers use compact denial (RFC 9824, `nsec.ts`), which needs
 * the key at answer time; a secondary has no key, so the transferred zone
 * carries a real NSEC chain instead (RFC 4034 §4) and every authoritative
 * RRset's RRSIG, made for the version once with one validity window.
 *
 * - The apex gets DNSKEY, CDS and CDNSKEY from the zone's keys (RFC 7344);
 *   stored records of those types at the apex are not served (as online).
 * - Every authoritative RRset is signed (RFC 4035 §2.2): not the NS RRset at
 *   a delegation or anything at or below a cut but its DS, nor names below a
 *   DNAME (occluded, RFC 6672 §2.4); those are transferred unsigned.
 * - NSEC (RFC 4035 §2.3): one per authoritative name, in canonical order
 *   (RFC 4034 §6.1), the last pointing back at the apex; an empty
 *   non-terminal has none (the NSEC before it covers it), glue has none; the
 *   bitmap at a delegation lists NS, DS when present, RRSIG and NSEC only.
 *   TTL: the SOA minimum (RFC 4034 §4, RFC 9077: min(SOA TTL, minimum),
 *   which are equal on this node).
 * - Stored RRSIG, NSEC, NSEC3 and NSEC3PARAM records are left out: the
 *   signer makes the zone's own.
 *
 * This module is browser compatible.
 * @module
 */

import { TYPE } from "../wire/constants.ts";
import { sortCanonical } from "./canonical_order.ts";
import { typeBitmap } from "./nsec.ts";
import { canonicalNameWire, compareBytes, signRRset, type Validity } from "./rrsig.ts";
import { APEX_KEY_TYPES } from "./signing_key.ts";
import type { ZoneSigner } from "./zone_signer.ts";

/**
 * Lifetime of the signatures of a transferred version: 21 days. The serial
 * moves at least once a {@linkcode RESIGN_PERIOD} (see
 * `store/zone_resign.ts`), so a secondary holding the oldest version still
 * has two weeks of valid signatures after the serial has moved, more than a
 * SOA expire of up to 14 days.
 */
export const TRANSFER_SIGNATURE_VALIDITY = 21 * 86400;

/**
 * The serial of a signed, transferred zone moves at least once in each such
 * period (7 days, counted from the Unix epoch), so secondaries fetch fresh
 * signatures (RFC 6781 §4.4.2: re-sign well before expiry).
 */
export const RESIGN_PERIOD = 7 * 86400;

/** One RRset to sign: live records only, one TTL (RFC 2181 §5.2). */
export interface PlainRRset {
  type: number;
  ttl: number;
  rdatas: readonly Uint8Array[];
}

/** The zone's content as stored (no SOA RRset: it is given apart). */
export interface ZoneContent {
  /** canonical apex */
  apex: string;
  soaTtl: number;
  soaRdata: Uint8Array;
  /** the SOA MINIMUM: the TTL of NSEC records */
  nsecTtl: number;
  /** owner (canonical text) → its RRsets */
  nodes: ReadonlyMap<string, readonly PlainRRset[]>;
}

/** One RR of the signed zone. */
export interface SignedRR {
  owner: string;
  type: number;
  ttl: number;
  rdata: Uint8Array;
}

/** Types the signer makes itself; stored records of these types are not transferred. */
const SIGNER_TYPES: ReadonlySet<number> = new Set([TYPE.RRSIG, TYPE.NSEC, 50, 51]); // NSEC3, NSEC3PARAM

/** Signatures made at once (WebCrypto calls in flight). */
const SIGN_BATCH = 64;

/**
 * Every RR of the signed zone but the SOA itself (a transfer writes it first
 * and last), in canonical owner order: the RRsets, their RRSIGs (the SOA's
 * included), the NSEC chain and its RRSIGs, glue and delegation NS unsigned.
 *
 * @example
 * ```ts ignore
 * const rrs = await signZone(content, signer, { inception: now - 3600, expiration: now + TRANSFER_SIGNATURE_VALIDITY }, now);
 * ```
 *
 * The keys are those of the zone at `keysAt` (seconds): the DNSKEY, CDS and
 * CDNSKEY RRsets it publishes then, and the one key that signs each RRset
 * then (`ZoneSigner.signingKey`: the KSK over the apex key RRsets, the ZSK
 * over the rest), so a version transferred during a rollover carries the
 * key state of its time.
 */
export async function signZone(
  zone: ZoneContent,
  signer: ZoneSigner,
  validity: Validity,
  keysAt: number,
): Promise<SignedRR[]> {
  const apex = zone.apex;
  const cuts = new Set<string>();
  const dnames = new Set<string>();
  for (const [owner, sets] of zone.nodes) {
    if (owner !== apex && sets.some((s) => s.type === TYPE.NS && s.rdatas.length > 0)) {
      cuts.add(owner);
    }
    if (sets.some((s) => s.type === TYPE.DNAME && s.rdatas.length > 0)) dnames.add(owner);
  }
  /** Whether a proper ancestor of `owner` (inside the zone) is a cut or a DNAME owner. */
  const occluded = (owner: string): boolean => {
    for (let name = owner; name !== apex;) {
      const dot = name.indexOf(".");
      name = dot < 0 ? "" : name.slice(dot + 1);
      if (name.length < apex.length) return false;
      if (cuts.has(name) || dnames.has(name)) return true;
    }
    return false;
  };

  // One bucket per owner, created in canonical order: the output is the buckets in turn.
  const buckets = new Map<string, SignedRR[]>();
  const jobs: { owner: string; set: PlainRRset }[] = [];
  const owners = sortCanonical(new Set([...zone.nodes.keys(), apex]));
  const chain: { owner: string; types: number[] }[] = [];
  for (const owner of owners) {
    const bucket: SignedRR[] = [];
    buckets.set(owner, bucket);
    const stored = (zone.nodes.get(owner) ?? []).filter((s) =>
      s.rdatas.length > 0 && !SIGNER_TYPES.has(s.type) &&
      !(owner === apex && (APEX_KEY_TYPES.includes(s.type) || s.type === TYPE.SOA))
    );
    if (occluded(owner)) {
      // Glue and occluded data: transferred, never signed, no NSEC (RFC 4035 §2.2, §2.3).
      for (const s of stored) push(bucket, owner, s);
      continue;
    }
    const sets: PlainRRset[] = [...stored];
    if (owner === apex) {
      for (const type of APEX_KEY_TYPES) {
        const rdatas = (await signer.apexKeyRdatas(type, keysAt)).sort(compareBytes);
        sets.push({ type, ttl: signer.dnskeyTtl, rdatas });
      }
    }
    if (sets.length === 0 && owner !== apex) continue;
    const cut = cuts.has(owner);
    const types: number[] = [TYPE.RRSIG, TYPE.NSEC];
    if (owner === apex) types.push(TYPE.SOA);
    for (const s of sets) {
      push(bucket, owner, s);
      // RFC 4035 §2.2/§2.3: at a cut only the DS (and the NSEC) are the parent's data.
      if (cut && s.type !== TYPE.DS && s.type !== TYPE.NS) continue;
      types.push(s.type);
      if (!cut || s.type === TYPE.DS) jobs.push({ owner, set: s });
    }
    chain.push({ owner, types });
  }
  jobs.push({ owner: apex, set: { type: TYPE.SOA, ttl: zone.soaTtl, rdatas: [zone.soaRdata] } });
  for (let i = 0; i < chain.length; i++) {
    const owner = chain[i].owner;
    const nextWire = canonicalNameWire(chain[(i + 1) % chain.length].owner);
    const bitmap = typeBitmap(chain[i].types);
    const rdata = new Uint8Array(nextWire.length + bitmap.length);
    rdata.set(nextWire);
    rdata.set(bitmap, nextWire.length);
    const set: PlainRRset = { type: TYPE.NSEC, ttl: zone.nsecTtl, rdatas: [rdata] };
    push(buckets.get(owner)!, owner, set);
    jobs.push({ owner, set });
  }
  for (let i = 0; i < jobs.length; i += SIGN_BATCH) {
    const batch = jobs.slice(i, i + SIGN_BATCH).map(async ({ owner, set }): Promise<SignedRR> => {
      const key = signer.signingKey(owner, set.type, keysAt);
      if (!key) throw new Error(`Cannot sign ${signer.zone}: no key signs type ${set.type} then`);
      // RFC 4034 §3: the RRSIG's TTL is the covered RRset's.
      const rdata = await signRRset(key, apex, { owner, ...set }, validity);
      return { owner, type: TYPE.RRSIG, ttl: set.ttl, rdata };
    });
    for (const sig of await Promise.all(batch)) buckets.get(sig.owner)!.push(sig);
  }
  return [...buckets.values()].flat();
}

function push(out: SignedRR[], owner: string, set: PlainRRset): void {
  for (const rdata of set.rdatas) out.push({ owner, type: set.type, ttl: set.ttl, rdata });
}
