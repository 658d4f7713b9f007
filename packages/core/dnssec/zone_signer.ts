/**
 * Online signing of one zone (as Knot's `mod-onlinesign`, which signs every
 * answer afresh): RRSIGs are made when a DO=1 query first needs them and
 * cached with their validity window.
 * A signature is valid from an hour in the past (clock skew between us and
 * validators) to {@linkcode SIGNATURE_VALIDITY} ahead, and is made again once
 * less than {@linkcode SIGNATURE_REFRESH} of it is left, so a served RRSIG is
 * never within a week of expiring (RFC 4035 §2.3, RFC 6781 §4.4.2).
 *
 * The cache is keyed by owner and type and remembers the exact RRset it
 * signed: a changed RRset (an UPDATE, an expired DMP record) is signed again
 * on its next query, never served with a stale RRSIG. It also remembers the
 * key that made it: when the zone's keys change steps (a rollover's switch,
 * `key_timeline.ts`, read off the clock at each query) a signature by a key
 * that no longer signs is made again with the current one, so no answer
 * carries an RRSIG of a retired key after its retirement time. It holds at most
 * {@linkcode SIGNATURE_CACHE_LIMIT} entries (oldest first out), and callers
 * sign with `cache: false` what is made for a name not in the zone (a black
 * lie for a random name), so such names never grow or churn it.
 *
 * This module is browser compatible.
 * @module
 */

import {
  canonicalNameWire,
  compareBytes,
  type RRsetToSign,
  signRRset,
  type Validity,
} from "./rrsig.ts";
import { APEX_KEY_TYPES, dsRdata, type SigningKey } from "./signing_key.ts";
import {
  inCds,
  inDnskey,
  type KeyTimes,
  nextKeyStep,
  signsKeys,
  signsZone,
} from "./key_timeline.ts";
import { KEY_RECORD_TTL } from "./key_records.ts";
import { TYPE } from "../wire/constants.ts";

/** Signature lifetime: 14 days. */
export const SIGNATURE_VALIDITY = 14 * 86400;
/** A cached signature is replaced when less than this is left: 7 days. */
export const SIGNATURE_REFRESH = 7 * 86400;
/** Inception back-dating for validators whose clocks are behind: 1 hour. */
export const SIGNATURE_BACKDATE = 3600;
/** Cached RRSIGs per zone. */
export const SIGNATURE_CACHE_LIMIT = 50_000;

/** A zone's key with the times of its lifecycle steps. */
export interface TimedSigningKey {
  key: SigningKey;
  times: KeyTimes;
}

interface CachedSignature {
  /** tag of the key that made it */
  keyTag: number;
  ttl: number;
  rdatas: readonly Uint8Array[];
  /** RRSIG RDATA, or the signing in progress */
  rrsig: Promise<Uint8Array>;
  expiration: number;
  refreshAt: number;
}

/** The signer of one zone with its keys. */
export class ZoneSigner {
  readonly zone: string;
  /** the zone's keys, with their steps */
  readonly keys: readonly TimedSigningKey[];
  /** TTL of DNSKEY, CDS and CDNSKEY (DMP_DNSSEC_DNSKEY_TTL) */
  readonly dnskeyTtl: number;
  #cache = new Map<string, CachedSignature>();
  #limit: number;
  #ds = new Map<SigningKey, Promise<Uint8Array>>();

  /**
   * `zone` canonical apex; `keys` the zone's keys with their steps (a lone
   * key is a combined key, published and signing since always);
   * `cacheLimit` cached RRSIGs at most; `dnskeyTtl` the apex key RRsets' TTL.
   */
  constructor(
    zone: string,
    keys: SigningKey | readonly TimedSigningKey[],
    cacheLimit: number = SIGNATURE_CACHE_LIMIT,
    dnskeyTtl: number = KEY_RECORD_TTL,
  ) {
    this.zone = zone;
    this.keys = "sign" in keys ? [{ key: keys, times: alwaysCsk }] : keys;
    this.#limit = cacheLimit;
    this.dnskeyTtl = dnskeyTtl;
  }

  /**
   * The key that signs `type` at `now`: the KSK for the apex DNSKEY, CDS and
   * CDNSKEY RRsets (RFC 7344 §4.1: signed by a key the parent's DS points
   * to), the ZSK for everything else; of two (never scheduled) the newest.
   */
  signingKey(owner: string, type: number, now: number): SigningKey | undefined {
    const byKsk = owner === this.zone && APEX_KEY_TYPES.includes(type);
    let best: TimedSigningKey | undefined;
    for (const k of this.keys) {
      if (!(byKsk ? signsKeys(k.times, now) : signsZone(k.times, now))) continue;
      if (!best || k.times.activeAt! > best.times.activeAt!) best = k;
    }
    return best?.key;
  }

  /**
   * The RDATAs of the apex DNSKEY (every published key), CDS or CDNSKEY (the
   * KSKs whose DS the parent should hold, RFC 7344 §3) RRset at `now`.
   */
  async apexKeyRdatas(type: number, now: number): Promise<Uint8Array[]> {
    if (type === TYPE.DNSKEY) {
      return this.keys.filter((k) => inDnskey(k.times, now)).map((k) => k.key.dnskey);
    }
    const cds = this.keys.filter((k) => inCds(k.times, now)).map((k) => k.key);
    if (type === TYPE.CDNSKEY) return cds.map((k) => k.dnskey);
    return await Promise.all(cds.map((k) => this.#dsOf(k)));
  }

  #dsOf(key: SigningKey): Promise<Uint8Array> {
    let ds = this.#ds.get(key);
    if (!ds) this.#ds.set(key, ds = dsRdata(canonicalNameWire(this.zone), key.dnskey));
    return ds;
  }

  /** The zone's next key step after `now` (a rollover's switch); Infinity when none. */
  nextKeyStep(now: number): number {
    return nextKeyStep(this.keys.map((k) => k.times), now);
  }

  /** Number of cached signatures (the dnssec-status view and tests). */
  get cached(): number {
    return this.#cache.size;
  }

  /**
   * The RRSIG RDATA over `rrset` at time `now` (seconds), and its expiration
   * (the RRSIG's TTL must not outlive it). `cache: false` signs without
   * keeping the signature (a black lie for a name that does not exist: one
   * use, kept by the caller if at all), so such names never evict the zone's.
   */
  async rrsig(
    rrset: RRsetToSign,
    now: number,
    options: { cache?: boolean } = {},
  ): Promise<{ rdata: Uint8Array; expiration: number }> {
    const key = this.signingKey(rrset.owner, rrset.type, now);
    if (!key) throw new Error(`Cannot sign in ${this.zone}: no key signs type ${rrset.type} now`);
    const id = `${rrset.type} ${rrset.owner}`;
    const hit = this.#cache.get(id);
    if (
      hit && hit.keyTag === key.keyTag && now < hit.refreshAt && hit.ttl === rrset.ttl &&
      sameRdatas(hit.rdatas, rrset.rdatas)
    ) {
      return { rdata: await hit.rrsig, expiration: hit.expiration };
    }
    const t = Math.floor(now);
    const validity: Validity = {
      inception: t - SIGNATURE_BACKDATE,
      expiration: t + SIGNATURE_VALIDITY,
    };
    if (options.cache === false) {
      const rdata = await signRRset(key, this.zone, rrset, validity);
      return { rdata, expiration: validity.expiration };
    }
    const entry: CachedSignature = {
      keyTag: key.keyTag,
      ttl: rrset.ttl,
      rdatas: rrset.rdatas.map((r) => r.slice()),
      rrsig: signRRset(key, this.zone, rrset, validity),
      expiration: validity.expiration,
      refreshAt: t + SIGNATURE_VALIDITY - SIGNATURE_REFRESH,
    };
    this.#cache.delete(id);
    if (this.#cache.size >= this.#limit) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(id, entry);
    try {
      return { rdata: await entry.rrsig, expiration: entry.expiration };
    } catch (e) {
      if (this.#cache.get(id) === entry) this.#cache.delete(id);
      throw e;
    }
  }
}

/** A combined key published and signing since always (a signer made from one key). */
const alwaysCsk: KeyTimes = {
  role: "csk",
  publishAt: 0,
  activeAt: 0,
  zoneUntil: null,
  keysUntil: null,
  removeAt: null,
  dsRemoveAt: null,
  dsSeenAt: null,
};

function sameRdatas(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (compareBytes(a[i], b[i]) !== 0) return false;
  return true;
}
