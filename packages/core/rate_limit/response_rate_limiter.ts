/**
 * Response Rate Limiting (RRL) for UDP answers, as NSD, Knot and BIND do it
 * (BIND ARM "Response Rate Limiting"; Vixie & Schryver, "DNS Response Rate
 * Limiting", 2012): a spoofed flood aimed at a victim is answered at most
 * `rate` times a second per (client network, response class, name), the rest
 * is dropped, and every `slip`-th dropped response is sent as an empty TC=1
 * answer instead, so a real client whose network is being spoofed still
 * learns to retry over TCP, which cannot be spoofed.
 *
 * Keys: the client's /24 (IPv4) or /56 (IPv6); the response class; for
 * positive and NODATA answers the qname and qtype, for NXDOMAIN the zone (a
 * random-subdomain flood is one key), for referrals the delegation point
 * (every name below a cut gets the same referral), for answers synthesized
 * from a wildcard the wildcard owner and qtype (random names under `*.x` are
 * one key), for errors nothing more. These are NSD's classes and keys
 * (`rrl.c`: nxdomain on the zone apex, referral on the delegation domain,
 * wildcard on the wildcard domain); Knot keys the same way. Buckets live
 * in a {@linkcode TokenBucketTable}: fixed typed arrays whatever the number
 * of sources (10^6 spoofed sources fill the table, they do not grow it), and
 * a colliding newcomer inherits drained state instead of a fresh bucket, so
 * flooding the table with random sources does not reset the victim's bucket.
 * No object is allocated per check.
 *
 * This module is browser compatible.
 * @module
 */

import { fnv1aStep } from "../hash/fnv1a.ts";
import { addressPrefixHash } from "./address_prefix.ts";
import { TokenBucketTable } from "./token_bucket_table.ts";

/** Response classes (NSD's and BIND's categories). */
export const RESPONSE_CLASS = {
  /** NOERROR with an answer */
  POSITIVE: 0,
  /** NOERROR, no answer (RFC 2308 §2.2) */
  NODATA: 1,
  /** RFC 2308 §2.1 */
  NXDOMAIN: 2,
  /** REFUSED, FORMERR, NOTIMP, BADVERS, SERVFAIL */
  ERROR: 3,
  /** a referral below a zone cut (RFC 1034 §4.3.2 step 3.b), keyed on the cut */
  REFERRAL: 4,
  /** an answer or NODATA synthesized from a wildcard (RFC 4592), keyed on its owner */
  WILDCARD: 5,
} as const;

/** Names of {@linkcode RESPONSE_CLASS} values, indexed by value (metric labels). */
export const RESPONSE_CLASS_NAMES = [
  "positive",
  "nodata",
  "nxdomain",
  "error",
  "referral",
  "wildcard",
] as const;

/** What to do with a response. */
export const RRL_VERDICT = {
  SEND: 0,
  DROP: 1,
  /** send an empty TC=1 response instead */
  SLIP: 2,
} as const;

/** RRL settings (see DMP_DNS_RRL_* in config/env.ts). */
export interface ResponseRateLimiterOptions {
  /** responses per second per key; 0 disables RRL */
  rate: number;
  /** every slip-th limited response is a TC=1 answer; 0 = drop all, 1 = slip all */
  slip: number;
  /** bucket table size (rounded up to a power of two) */
  slots: number;
  /** IPv4 prefix length of a client network (24) */
  ipv4PrefixBits?: number;
  /** IPv6 prefix length of a client network (56) */
  ipv6PrefixBits?: number;
}

/** Decides, per UDP response, whether to send, drop or slip it. */
export class ResponseRateLimiter {
  #buckets: TokenBucketTable;
  #slip: number;
  #limited = 0;
  #v4: number;
  #v6: number;

  constructor(options: ResponseRateLimiterOptions) {
    // Burst = one second of responses, like the per-second limits of Knot and NSD.
    // A disabled limiter keeps no table.
    this.#buckets = new TokenBucketTable({
      rate: options.rate,
      burst: Math.max(1, Math.ceil(options.rate)),
      slots: options.rate > 0 ? options.slots : 4,
    });
    this.#slip = options.slip;
    this.#v4 = options.ipv4PrefixBits ?? 24;
    this.#v6 = options.ipv6PrefixBits ?? 56;
  }

  /** True when RRL is off. */
  get disabled(): boolean {
    return this.#buckets.disabled;
  }

  /**
   * The verdict for one response to `address`. `nameHash` is a 32-bit hash
   * of what the class keys on (qname and qtype, the zone, the delegation
   * point, the wildcard owner and qtype, or 0 for errors).
   */
  check(address: string, responseClass: number, nameHash: number, nowSeconds: number): number {
    if (this.#buckets.disabled) return RRL_VERDICT.SEND;
    let h = addressPrefixHash(address, this.#v4, this.#v6);
    h = fnv1aStep(h, responseClass);
    h = fnv1aStep(h, nameHash & 0xff);
    h = fnv1aStep(h, (nameHash >>> 8) & 0xff);
    h = fnv1aStep(h, (nameHash >>> 16) & 0xff);
    h = fnv1aStep(h, nameHash >>> 24);
    if (this.#buckets.takeHash(h, nowSeconds)) return RRL_VERDICT.SEND;
    if (this.#slip <= 0) return RRL_VERDICT.DROP;
    // One counter for all keys (no per-bucket state): under a flood at one victim it is that
    // victim's every slip-th response; spread over many keys, each still slips 1 in `slip`
    // on average.
    if (++this.#limited >= this.#slip) {
      this.#limited = 0;
      return RRL_VERDICT.SLIP;
    }
    return RRL_VERDICT.DROP;
  }
}
