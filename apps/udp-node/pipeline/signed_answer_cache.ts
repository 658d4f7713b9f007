/**
 * Whole signed answers, cached: what `signed_answer.ts` writes after the
 * question (the answer, authority and additional sections with their RRSIGs,
 * the OPT aside), keyed by the question name's bytes and type as the parser
 * reads them, as the unsigned answer table is. A hit skips the lookup, the
 * RRSIG cache and the assembly: one hash probe and one copy.
 *
 * An entry is served only while all of this holds, else the answer is built
 * again (through the RRSIG cache, so usually without signing):
 * - the zone index has not changed since (`ZoneIndex.generation`);
 * - the zone is still signed by the same signer (a key row change makes a new one);
 * - `now` is before the entry's `validUntil`: the earliest refresh time of
 *   its RRSIGs (`ZoneSigner`), the zone's next key step (a rollover's
 *   switch, read off the clock: `ZoneSigner.nextKeyStep`), or the next
 *   second when an RR in it (or listed in its NSEC bitmap) expires, its TTL
 *   counting down.
 *
 * Two bounded tables, oldest entry out first: answers about the zone's own
 * names, and answers about names not in it (black lies, each a fresh
 * signature, RFC 9824; wildcard and DNAME synthesis; referrals for names
 * below a cut), so a random-subdomain flood cycles through the small table
 * of the second kind and never evicts the first.
 *
 * @module
 */

import { fnv1aStep } from "../../../packages/core/hash/fnv1a.ts";
import type { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";

/** Cached answers about the zone's own names (positive, NODATA, apex keys, at a cut). */
export const SIGNED_ANSWER_CACHE_LIMIT = 50_000;
/** Cached answers about names not in the zone (a resolver's retries, not floods). */
export const MISSING_NAME_CACHE_LIMIT = 4096;

/** A signed answer after its question, without the OPT RR. */
export interface SignedBody {
  /** answer, authority and additional RRs back to back, uncompressed */
  sections: Uint8Array;
  /** ANCOUNT, NSCOUNT, ARCOUNT (without the OPT) */
  counts: readonly [number, number, number];
  rcode: number;
  aa: boolean;
  /** the metrics outcome */
  outcome: string;
  /** response rate limiting class and key hash (`DnsService`) */
  rrl: { class: number; name: number };
}

/** What decides whether a cached body may still be served. */
export interface SignedBodyValidity {
  /** `ZoneIndex.generation` when it was built */
  generation: number;
  /** the signer it was built with (only its identity is kept: see `signerId`) */
  signer: ZoneSigner;
  /** seconds since the epoch: served from (a clock that stepped back misses) */
  validFrom: number;
  /** seconds since the epoch: served strictly before */
  validUntil: number;
  /** about a name not in the zone (the small table) */
  missing: boolean;
}

/**
 * A cached entry. It names its signer by zone and number, not by reference:
 * a signer replaced by a key reload must not be kept alive (with its RRSIG
 * cache) by entries nobody asks for again.
 */
interface Entry extends SignedBody, Omit<SignedBodyValidity, "signer" | "missing"> {
  zone: string;
  signerId: number;
  name: Uint8Array;
  qtype: number;
}

/** Numbers for signers, weakly held. */
const signerIds = new WeakMap<ZoneSigner, number>();
let nextSignerId = 1;

function signerId(signer: ZoneSigner): number {
  let id = signerIds.get(signer);
  if (id === undefined) signerIds.set(signer, id = nextSignerId++);
  return id;
}

/** The question as `parseRequest` gives it: the qname's lower-case key bytes and hash. */
export interface CacheQuestion {
  key: Uint8Array;
  keyLength: number;
  keyHash: number;
  /** no label byte needed escaping: only then do the key bytes name one name */
  plainName: boolean;
  qtype: number;
}

/** The signed answers of one zone index (every signed zone in it). */
export class SignedAnswerCache {
  #existing = new Map<number, Entry>();
  #missing = new Map<number, Entry>();
  #limits: { existing: number; missing: number };

  /** `limits`: entries per table. */
  constructor(
    limits = { existing: SIGNED_ANSWER_CACHE_LIMIT, missing: MISSING_NAME_CACHE_LIMIT },
  ) {
    this.#limits = limits;
  }

  /** Entries held (both tables). */
  get size(): number {
    return this.#existing.size + this.#missing.size;
  }

  /**
   * The cached body for `q` if it may still be served at `now`, with the
   * index at `generation` and `signers` as they are now.
   */
  find(
    q: CacheQuestion,
    generation: number,
    now: number,
    signers: ReadonlyMap<string, ZoneSigner>,
  ): SignedBody | undefined {
    // A label holding a dot ("a\\.b") has the key bytes of two labels ("a.b"): never cached.
    if (!q.plainName) return undefined;
    const h = slot(q.keyHash, q.qtype);
    const e = this.#existing.get(h) ?? this.#missing.get(h);
    if (
      e === undefined || e.generation !== generation || now >= e.validUntil || now < e.validFrom ||
      e.qtype !== q.qtype || e.name.length !== q.keyLength
    ) return undefined;
    const signer = signers.get(e.zone);
    if (signer === undefined || signerId(signer) !== e.signerId) return undefined;
    const k = q.key;
    const n = e.name;
    for (let i = 0; i < n.length; i++) if (n[i] !== k[i]) return undefined;
    return e;
  }

  /**
   * Keeps `body` for the question `q` (its `key` bytes copied by the caller:
   * the parser's buffer is reused); a name that needed escaping is not kept.
   */
  store(q: CacheQuestion, body: SignedBody, validity: SignedBodyValidity): void {
    if (!q.plainName) return;
    const name = q.key.slice(0, q.keyLength);
    const qtype = q.qtype;
    const h = slot(q.keyHash, qtype);
    const table = validity.missing ? this.#missing : this.#existing;
    const limit = validity.missing ? this.#limits.missing : this.#limits.existing;
    // One question lives in one table: a name created or deleted since moves it.
    this.#existing.delete(h);
    this.#missing.delete(h);
    if (table.size >= limit) table.delete(table.keys().next().value!);
    table.set(h, {
      ...body,
      generation: validity.generation,
      zone: validity.signer.zone,
      signerId: signerId(validity.signer),
      validFrom: validity.validFrom,
      validUntil: validity.validUntil,
      name,
      qtype,
    });
  }
}

/** The table slot of a question: the name hash extended by the type's two bytes (FNV-1a). */
function slot(keyHash: number, qtype: number): number {
  return fnv1aStep(fnv1aStep(keyHash, qtype >> 8), qtype & 0xff);
}
