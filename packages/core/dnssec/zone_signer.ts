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
 * on its next query, never served with a stale RRSIG. It holds at most
 * {@linkcode SIGNATURE_CACHE_LIMIT} entries (oldest first out), and callers
 * sign with `cache: false` what is made for a name not in the zone (a black
 * lie for a random name), so such names never grow or churn it.
 *
 * This module is browser compatible.
 * @module
 */

import { compareBytes, type RRsetToSign, signRRset, type Validity } from "./rrsig.ts";
import type { SigningKey } from "./signing_key.ts";

/** Signature lifetime: 14 days. */
export const SIGNATURE_VALIDITY = 14 * 86400;
/** A cached signature is replaced when less than this is left: 7 days. */
export const SIGNATURE_REFRESH = 7 * 86400;
/** Inception back-dating for validators whose clocks are behind: 1 hour. */
export const SIGNATURE_BACKDATE = 3600;
/** Cached RRSIGs per zone. */
export const SIGNATURE_CACHE_LIMIT = 50_000;

interface CachedSignature {
  ttl: number;
  rdatas: readonly Uint8Array[];
  /** RRSIG RDATA, or the signing in progress */
  rrsig: Promise<Uint8Array>;
  expiration: number;
  refreshAt: number;
}

/** The signer of one zone with its key. */
export class ZoneSigner {
  readonly zone: string;
  readonly key: SigningKey;
  #cache = new Map<string, CachedSignature>();
  #limit: number;

  /** `zone` canonical apex; `key` the zone's signing key; `cacheLimit` cached RRSIGs at most. */
  constructor(zone: string, key: SigningKey, cacheLimit: number = SIGNATURE_CACHE_LIMIT) {
    this.zone = zone;
    this.key = key;
    this.#limit = cacheLimit;
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
    const id = `${rrset.type} ${rrset.owner}`;
    const hit = this.#cache.get(id);
    if (
      hit && now < hit.refreshAt && hit.ttl === rrset.ttl && sameRdatas(hit.rdatas, rrset.rdatas)
    ) {
      return { rdata: await hit.rrsig, expiration: hit.expiration };
    }
    const t = Math.floor(now);
    const validity: Validity = {
      inception: t - SIGNATURE_BACKDATE,
      expiration: t + SIGNATURE_VALIDITY,
    };
    if (options.cache === false) {
      const rdata = await signRRset(this.key, this.zone, rrset, validity);
      return { rdata, expiration: validity.expiration };
    }
    const entry: CachedSignature = {
      ttl: rrset.ttl,
      rdatas: rrset.rdatas.map((r) => r.slice()),
      rrsig: signRRset(this.key, this.zone, rrset, validity),
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

function sameRdatas(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (compareBytes(a[i], b[i]) !== 0) return false;
  return true;
}
