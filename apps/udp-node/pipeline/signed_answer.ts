/**
 * DO=1 answers from signed zones (RFC 4035 §3.1): the same RFC 1034 lookup
 * as the unsigned path (`packages/core/zone/lookup.ts`), then a signing stage
 * as in Knot's `mod-onlinesign`: every authoritative RRset gets its RRSIG
 * (made on demand and cached by the zone's {@linkcode ZoneSigner}), the apex
 * answers DNSKEY, CDS and CDNSKEY (RFC 7344) from the zone's keys, and denial
 * of existence is compact (RFC 9824 "black lies", see `dnssec/nsec.ts`):
 *
 * - NODATA: NOERROR, SOA + NSEC at the name with its real types;
 * - a name that does not exist: NOERROR (not NXDOMAIN, RFC 9824 §3), SOA +
 *   NSEC at the name with `RRSIG NSEC NXNAME`;
 * - a wildcard answer: signed as if the query name existed (RRSIG Labels =
 *   the name's), its NODATA likewise lists the wildcard's types, so no
 *   proof of the name's absence is needed (see `#isZoneData`);
 * - a referral: the DS RRset and its RRSIG, or an NSEC at the cut with NS and
 *   no DS (RFC 4035 §3.1.4); glue and the NS at the cut stay unsigned.
 *
 * Written without name compression; over UDP an answer larger than the
 * client's size is sent empty with TC=1 (RFC 4035 §3.1, RFC 2181 §9).
 * DO=0 queries never come here: their answers are byte-identical to an
 * unsigned zone's. Whole answers are cached per question
 * (`signed_answer_cache.ts`) while the zone, its key and their RRSIGs stay
 * as they were.
 *
 * @module
 */

import {
  CLASS,
  EDNS_OPTION,
  FLAG,
  LIMIT,
  RCODE,
  TYPE,
} from "../../../packages/core/wire/constants.ts";
import { canonicalName, decodeName } from "../../../packages/core/wire/name.ts";
import type {
  IndexedRRset,
  IndexedZone,
  OwnedRRset,
  ZoneIndex,
} from "../../../packages/core/zone/zone_index.ts";
import { isLive, recordLength } from "../../../packages/core/zone/zone_index.ts";
import { closestEncloser, nameExists } from "../../../packages/core/zone/closest_encloser.ts";
import type { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import { blackLieNsec } from "../../../packages/core/dnssec/nsec.ts";
import { canonicalNameWire, compareBytes } from "../../../packages/core/dnssec/rrsig.ts";
import { APEX_KEY_TYPES } from "../../../packages/core/dnssec/signing_key.ts";
import { FNV1A_START, fnv1aStep } from "../../../packages/core/hash/fnv1a.ts";
import { RESPONSE_CLASS } from "../../../packages/core/rate_limit/response_rate_limiter.ts";
import { parseRequest, questionName } from "./parse_query.ts";
import { udpSizeLimit } from "./answer_query.ts";
import { ByteSlab } from "../../../packages/core/wire/byte_slab.ts";
import { SignedAnswerCache, type SignedBody } from "./signed_answer_cache.ts";
import { SIGNATURE_REFRESH } from "../../../packages/core/dnssec/zone_signer.ts";

/** One RR as written: owner, type, TTL, RDATA. */
interface Rr {
  /** owner in canonical wire form (written uncompressed) */
  owner: Uint8Array;
  type: number;
  ttl: number;
  rdata: Uint8Array;
}

/** Zones being signed, by apex. */
export type SignerMap = ReadonlyMap<string, ZoneSigner>;

/** Settings the signed path shares with the unsigned one. */
export interface SignedAnswerSettings {
  maxTtl: number;
  nsid?: Uint8Array;
}

/** A signed response, its metrics outcome and its response-rate-limiting class and key. */
export interface SignedReply {
  bytes: Uint8Array;
  outcome: string;
  rrl: { class: number; name: number };
}

/**
 * The answer to a DO=1 query from the signed-answer cache, synchronously
 * (no signing, no promise), or undefined when it has to be built by
 * {@linkcode answerSigned}.
 */
export function answerSignedFromCache(
  request: Uint8Array,
  index: ZoneIndex,
  signers: SignerMap,
  settings: SignedAnswerSettings,
  transport: { tcp: boolean; now: number },
): SignedReply | undefined {
  const cache = answerCaches.get(index);
  if (cache === undefined) return undefined;
  const q = parseRequest(request);
  if (q.kind !== "query" || !q.dnssecOk) return undefined;
  const hit = cache.find(q, index.generation, transport.now, signers);
  if (hit === undefined) return undefined;
  const bytes = writeSigned(request, q, hit, settings, transport.tcp);
  return { bytes, outcome: hit.outcome, rrl: hit.rrl };
}

/**
 * Answers a DO=1 query for a signed zone; null when the request is not one
 * (the caller then answers it unsigned).
 */
export async function answerSigned(
  request: Uint8Array,
  index: ZoneIndex,
  signers: SignerMap,
  settings: SignedAnswerSettings,
  transport: { tcp: boolean; now: number },
): Promise<SignedReply | null> {
  const cached = answerSignedFromCache(request, index, signers, settings, transport);
  if (cached) return cached;
  const q = parseRequest(request);
  if (q.kind !== "query" || !q.dnssecOk) return null;
  const now = transport.now;
  let cache = answerCaches.get(index);
  if (!cache) answerCaches.set(index, cache = new SignedAnswerCache());
  const generation = index.generation;
  // The parser's key buffer is reused by the next request: keep this one's past the awaits.
  const question = { ...q, key: q.key.slice(0, q.keyLength) };
  const qname = questionName(q, request);
  const zone = index.findZone(qname);
  const signer = zone && signers.get(zone.name);
  if (!zone || !signer) return null;
  const b = new SignedAnswerBuilder(zone, signer, settings.maxTtl, now);
  let rcode: number = RCODE.NOERROR;
  let aa = true;
  let outcome = "noerror";
  // RRL class and key, as the unsigned path keys them (answer_query.ts, NSD's order).
  let rrlClass: number = RESPONSE_CLASS.POSITIVE;
  let rrlKey = `${qname}/${q.qtype}`;
  if (qname === zone.name && APEX_KEY_TYPES.includes(q.qtype)) {
    await b.addSigned(b.answer, qname, await keyRRset(signer, q.qtype, now));
  } else {
    const result = index.lookup(qname, q.qtype, now);
    if (result.kind === "refused") return null;
    const wildcard = result.wildcard;
    if (
      result.kind === "nxdomain" || (result.kind === "sections" && result.rcode === RCODE.NXDOMAIN)
    ) {
      [rrlClass, rrlKey] = [RESPONSE_CLASS.NXDOMAIN, zone.name];
    } else if (result.kind === "sections" && result.rcode !== RCODE.NOERROR) {
      [rrlClass, rrlKey] = [RESPONSE_CLASS.ERROR, ""];
    } else if (result.kind === "sections" && result.cut !== undefined) {
      [rrlClass, rrlKey] = [RESPONSE_CLASS.REFERRAL, result.cut];
    } else if (
      result.kind === "nodata" || (result.kind === "sections" && result.soa === "authority")
    ) rrlClass = RESPONSE_CLASS.NODATA;
    // A wildcard-synthesized name keys on the wildcard whatever follows.
    if (wildcard !== undefined) {
      [rrlClass, rrlKey] = [RESPONSE_CLASS.WILDCARD, `${wildcard}/${q.qtype}`];
    }
    if (result.kind === "answer") {
      for (const set of result.rrsets) await b.addIndexed(b.answer, qname, set);
      if (result.rrsets.length === 0 || (q.qtype === TYPE.ANY && qname === zone.name)) {
        await b.addSoa(b.answer);
      }
      if (q.qtype === TYPE.ANY && qname === zone.name) {
        for (const t of APEX_KEY_TYPES) {
          await b.addSigned(b.answer, qname, await keyRRset(signer, t, now));
        }
      }
    } else if (result.kind === "nodata" && q.qtype === TYPE.NSEC) {
      // The NSEC a validator is shown for this name is its answer (bitmap: its real types).
      await b.addNsec(b.answer, qname);
    } else if (result.kind === "nodata" && q.qtype === TYPE.RRSIG) {
      // RFC 4035 §3.1.5: the RRSIGs at the name, themselves unsigned (our bitmaps say RRSIG).
      await b.addRrsigsAt(qname);
      if (b.answer.length === 0) await b.addDenial(qname, false);
    } else if (result.kind === "nodata" || result.kind === "nxdomain") {
      await b.addDenial(qname, result.kind === "nxdomain");
      outcome = result.kind === "nxdomain" ? "nxdomain" : "noerror";
    } else {
      rcode = result.rcode === RCODE.NXDOMAIN ? RCODE.NOERROR : result.rcode;
      aa = result.aa;
      if (result.rcode === RCODE.NXDOMAIN) outcome = "nxdomain";
      else if (result.rcode !== RCODE.NOERROR) outcome = "yxdomain";
      for (const o of result.answer) await b.addIndexed(b.answer, o.owner, o.set);
      if (result.soa === "answer") await b.addSoa(b.answer);
      if (result.soa === "authority") {
        const last = chainEnd(result.answer);
        if (last !== undefined) await b.addDenial(last, result.rcode === RCODE.NXDOMAIN);
      }
      if (result.authority.length > 0) await b.addReferral(result.authority[0]);
      for (const o of result.additional) b.addUnsigned(b.additional, o.owner, o.set);
    }
  }
  const body: SignedBody = {
    ...b.sections(),
    rcode,
    aa,
    outcome: `signed_${outcome}`,
    rrl: { class: rrlClass, name: textHash(rrlKey) },
  };
  cache.store(question, body, {
    generation,
    signer,
    validFrom: Math.floor(now),
    // A key step (a new ZSK signing, a key leaving DNSKEY) changes the answer: rebuild then.
    validUntil: Math.min(b.validUntil, signer.nextKeyStep(now)),
    // Answers about names that are not in the zone go to the small table: black lies (a fresh
    // signature each), wildcard and DNAME synthesis, referrals for names below a cut. A flood of
    // random names must not evict the answers about the zone's own names.
    missing: !nameExists(zone, qname),
  });
  const bytes = writeSigned(request, q, body, settings, transport.tcp);
  return { bytes, outcome: body.outcome, rrl: body.rrl };
}

/** Signed-answer caches by zone index (one per node; tests build several). */
const answerCaches = new WeakMap<ZoneIndex, SignedAnswerCache>();

function textHash(s: string): number {
  let h = FNV1A_START;
  for (let i = 0; i < s.length; i++) h = fnv1aStep(h, s.charCodeAt(i));
  return h >>> 0;
}

/** The CNAME target that ends a chain answered NXDOMAIN/NODATA (the name the denial is about). */
function chainEnd(answer: readonly OwnedRRset[]): string | undefined {
  const last = answer[answer.length - 1];
  if (!last || last.set.type !== TYPE.CNAME) return undefined;
  const r = last.set.records[0];
  const d = decodeName(
    last.set.wire.subarray(0, r.offset + recordLength(last.set, r)),
    r.offset + 12,
  );
  return d.ok ? canonicalName(d.name) : undefined;
}

/**
 * The apex DNSKEY, CDS or CDNSKEY RRset at `now`: the keys the signer
 * publishes then (during a rollover, old and new; RFC 7344 §3 for CDS/CDNSKEY).
 */
async function keyRRset(signer: ZoneSigner, type: number, now: number): Promise<PlainRRset> {
  const rdatas = (await signer.apexKeyRdatas(type, now)).sort(compareBytes);
  return { type, ttl: signer.dnskeyTtl, originalTtl: signer.dnskeyTtl, rdatas };
}

/** An RRset with its answer TTL and the original TTL its RRSIG covers. */
interface PlainRRset {
  type: number;
  ttl: number;
  originalTtl: number;
  rdatas: Uint8Array[];
}

/** Collects the sections of one signed answer. */
class SignedAnswerBuilder {
  answer: Rr[] = [];
  authority: Rr[] = [];
  additional: Rr[] = [];
  /**
   * Until when (seconds) these sections may be served again as they are: the
   * earliest refresh of an RRSIG in them, or the next second when a TTL in
   * them counts down or a type's liveness may change (`signed_answer_cache.ts`).
   */
  validUntil = Infinity;
  #zone: IndexedZone;
  #signer: ZoneSigner;
  #maxTtl: number;
  #now: number;

  constructor(zone: IndexedZone, signer: ZoneSigner, maxTtl: number, now: number) {
    this.#zone = zone;
    this.#signer = signer;
    this.#maxTtl = maxTtl;
    this.#now = now;
  }

  /** An indexed RRset under `owner`, with its RRSIG unless it is synthesized (a DNAME's CNAME). */
  async addIndexed(section: Rr[], owner: string, set: IndexedRRset): Promise<void> {
    const plain = this.#plain(set);
    if (plain.rdatas.length === 0) return;
    if (this.#isZoneData(owner, set)) await this.addSigned(section, owner, plain);
    else this.#push(section, owner, plain);
  }

  /** An indexed RRset without RRSIG (glue, the NS of a cut: RFC 4035 §2.2). */
  addUnsigned(section: Rr[], owner: string, set: IndexedRRset): void {
    this.#push(section, owner, this.#plain(set));
  }

  /**
   * `rrset` under `owner` and its RRSIG. The signature is kept among the
   * zone's RRSIGs only when `owner` is a name of the zone: one made for a
   * name that is not (a black lie, a wildcard answer) lives with its whole
   * answer in the small table of `signed_answer_cache.ts`, so a random-name
   * flood does not churn the zone's RRSIGs.
   */
  async addSigned(section: Rr[], owner: string, rrset: PlainRRset): Promise<void> {
    this.#push(section, owner, rrset);
    const sig = await this.#signer.rrsig(
      { owner, type: rrset.type, ttl: rrset.originalTtl, rdatas: rrset.rdatas },
      this.#now,
      { cache: nameExists(this.#zone, owner) },
    );
    // RFC 4035 §2.2 / RFC 4034 §3: the RRSIG's TTL is the RRset's, and never past its expiration.
    const left = sig.expiration - Math.floor(this.#now);
    const ttl = Math.max(0, Math.min(rrset.ttl, left));
    this.#validFor(sig.expiration - SIGNATURE_REFRESH, left < rrset.ttl);
    section.push({ owner: this.#wire(owner), type: TYPE.RRSIG, ttl, rdata: sig.rdata });
  }

  /** The zone SOA and its RRSIG (TTL the SOA minimum, as the unsigned path sends it). */
  async addSoa(section: Rr[]): Promise<void> {
    const ttl = this.#zone.soa.minimum;
    const z = this.#zone.name;
    await this.addSigned(section, z, {
      type: TYPE.SOA,
      ttl,
      originalTtl: ttl,
      rdatas: [this.#zone.soaRdata],
    });
  }

  /**
   * NODATA or a missing name at `name` (RFC 9824): SOA and the black-lie
   * NSEC (TTL the SOA minimum, RFC 9077), in the authority section.
   */
  async addDenial(name: string, missing: boolean): Promise<void> {
    await this.addSoa(this.authority);
    const types = missing ? [TYPE.RRSIG, TYPE.NSEC, TYPE.NXNAME] : this.#typesAt(name);
    const ttl = this.#zone.soa.minimum;
    await this.addSigned(this.authority, name, {
      type: TYPE.NSEC,
      ttl,
      originalTtl: ttl,
      rdatas: [blackLieNsec(name, types)],
    });
  }

  /** The signed black-lie NSEC of an existing name (its real types) in `section`. */
  async addNsec(section: Rr[], name: string): Promise<void> {
    const ttl = this.#zone.soa.minimum;
    await this.addSigned(section, name, {
      type: TYPE.NSEC,
      ttl,
      originalTtl: ttl,
      rdatas: [blackLieNsec(name, this.#typesAt(name))],
    });
  }

  /**
   * The RRSIG of every live RRset at `name` (the wildcard's for a synthesized
   * name), alone; at the apex also those of the SOA and the key RRsets, which
   * are not stored at the name (stored apex key records are not served).
   */
  async addRrsigsAt(name: string): Promise<void> {
    const z = this.#zone;
    const apex = name === z.name;
    const node = z.nodes.get(name) ??
      (nameExists(z, name) ? undefined : z.nodes.get(wildcardOf(z, name)));
    for (const set of node ?? []) {
      if (apex && APEX_KEY_TYPES.includes(set.type)) continue;
      const plain = this.#plain(set);
      if (plain.rdatas.length > 0) await this.#rrsigOnly(name, plain, nameExists(z, name));
    }
    if (!apex) return;
    const soaTtl = z.soa.minimum;
    await this.#rrsigOnly(name, {
      type: TYPE.SOA,
      ttl: soaTtl,
      originalTtl: soaTtl,
      rdatas: [z.soaRdata],
    });
    for (const t of APEX_KEY_TYPES) {
      await this.#rrsigOnly(name, await keyRRset(this.#signer, t, this.#now));
    }
  }

  /**
   * The RRSIG over `plain` at `name` in the answer, without the RRset;
   * `cache: false` for a name not in the zone (`ZoneSigner.rrsig`).
   */
  async #rrsigOnly(name: string, plain: PlainRRset, cache = true): Promise<void> {
    const sig = await this.#signer.rrsig(
      { owner: name, type: plain.type, ttl: plain.originalTtl, rdatas: plain.rdatas },
      this.#now,
      { cache },
    );
    const left = sig.expiration - Math.floor(this.#now);
    const ttl = Math.max(0, Math.min(plain.ttl, left));
    this.#validFor(sig.expiration - SIGNATURE_REFRESH, left < plain.ttl);
    this.answer.push({ owner: this.#wire(name), type: TYPE.RRSIG, ttl, rdata: sig.rdata });
  }

  /** A referral's NS, then its DS and RRSIG, or the NSEC proving there is no DS (RFC 4035 §3.1.4). */
  async addReferral(ns: OwnedRRset): Promise<void> {
    this.addUnsigned(this.authority, ns.owner, ns.set);
    const ds = this.#zone.nodes.get(ns.owner)?.find((s) => s.type === TYPE.DS);
    const plain = ds && this.#plain(ds);
    if (plain && plain.rdatas.length > 0) {
      await this.addSigned(this.authority, ns.owner, plain);
      return;
    }
    const ttl = this.#zone.soa.minimum;
    await this.addSigned(this.authority, ns.owner, {
      type: TYPE.NSEC,
      ttl,
      originalTtl: ttl,
      rdatas: [blackLieNsec(ns.owner, this.#typesAt(ns.owner))],
    });
  }

  /**
   * The types an NSEC at an existing name lists: its live RRsets (the
   * wildcard's for a name it synthesizes), RRSIG and NSEC, and at the apex
   * SOA, DNSKEY, CDS and CDNSKEY. An empty non-terminal has only RRSIG and NSEC.
   */
  #typesAt(name: string): number[] {
    const z = this.#zone;
    const node = z.nodes.get(name) ??
      (nameExists(z, name) ? undefined : z.nodes.get(wildcardOf(z, name)));
    const types: number[] = [TYPE.RRSIG, TYPE.NSEC];
    for (const set of node ?? []) {
      if (set.records.some((r) => isLive(r, this.#now))) types.push(set.type);
      this.#validFor(Infinity, set.expiring);
    }
    if (name === z.name) types.push(TYPE.SOA, ...APEX_KEY_TYPES);
    return types;
  }

  /**
   * Whether an RRset answered under `owner` is signed: it is zone data stored
   * there or synthesized from a wildcard, not a CNAME synthesized from a DNAME
   * (validators rebuild that themselves, RFC 6672 §5.3.1). A wildcard answer is signed as if the name existed (Labels =
   * the query name's), as compact-denial signers do: an RRSIG with the
   * wildcard's label count obliges the validator to also see a proof that
   * the query name does not exist (RFC 4035 §5.3.4), which a black lie
   * (an NSEC *at* the name) cannot give — delv rejects it ("no valid NSEC").
   */
  #isZoneData(owner: string, set: IndexedRRset): boolean {
    const z = this.#zone;
    if (z.nodes.get(owner)?.includes(set)) return true;
    if (nameExists(z, owner)) return false;
    return z.nodes.get(wildcardOf(z, owner))?.includes(set) ?? false;
  }

  /** The live RRs of an indexed RRset, one TTL for all of them (RFC 2181 §5.2). */
  #plain(set: IndexedRRset): PlainRRset {
    this.#validFor(Infinity, set.expiring);
    const rdatas: Uint8Array[] = [];
    let ttl = Infinity;
    let originalTtl = Infinity;
    for (const r of set.records) {
      if (!isLive(r, this.#now)) continue;
      const start = r.offset + 12;
      rdatas.push(set.wire.subarray(start, r.offset + recordLength(set, r)));
      // DMP records with a lifetime: TTL bounded by DMP_DNS_TTL and what is left of it.
      const own = r.expiresAt === 0 ? r.ttl : Math.min(r.ttl, this.#maxTtl);
      originalTtl = Math.min(originalTtl, own);
      ttl = Math.min(
        ttl,
        r.expiresAt === 0 ? own : Math.min(own, Math.max(0, Math.floor(r.expiresAt - this.#now))),
      );
    }
    rdatas.sort(compareBytes);
    return { type: set.type, ttl, originalTtl, rdatas };
  }

  /** Bounds {@linkcode validUntil} by `until`, or by the next second when `ticking`. */
  #validFor(until: number, ticking: boolean): void {
    if (ticking) until = Math.min(until, Math.floor(this.#now) + 1);
    if (until < this.validUntil) this.validUntil = until;
  }

  /** The sections as written after the question: RRs back to back and their counts. */
  sections(): Pick<SignedBody, "sections" | "counts"> {
    const all = [this.answer, this.authority, this.additional];
    let size = 0;
    for (const s of all) for (const rr of s) size += rr.owner.length + 10 + rr.rdata.length;
    // Cached for as long as the answer is: carved from shared chunks, not a buffer each.
    const out = cachedSections.alloc(size);
    let pos = 0;
    for (const s of all) {
      for (const rr of s) {
        out.set(rr.owner, pos);
        pos += rr.owner.length;
        put16(out, pos, rr.type);
        put16(out, pos + 2, CLASS.IN);
        put16(out, pos + 4, rr.ttl >>> 16);
        put16(out, pos + 6, rr.ttl & 0xffff);
        put16(out, pos + 8, rr.rdata.length);
        out.set(rr.rdata, pos + 10);
        pos += 10 + rr.rdata.length;
      }
    }
    return {
      sections: out,
      counts: [this.answer.length, this.authority.length, this.additional.length],
    };
  }

  #owners = new Map<string, Uint8Array>();

  /** An owner's wire form, encoded once per answer (most RRs share a few owners). */
  #wire(owner: string): Uint8Array {
    let w = this.#owners.get(owner);
    if (!w) this.#owners.set(owner, w = canonicalNameWire(owner));
    return w;
  }

  #push(section: Rr[], owner: string, rrset: PlainRRset): void {
    for (const rdata of rrset.rdatas) {
      section.push({ owner: this.#wire(owner), type: rrset.type, ttl: rrset.ttl, rdata });
    }
  }
}

/** The wildcard that would synthesize `name` (which does not exist) in `z`. */
function wildcardOf(z: IndexedZone, name: string): string {
  const encloser = closestEncloser(z, name);
  return encloser === "" ? "*" : "*." + encloser;
}

/** Signed responses are carved from shared chunks, as unsigned ones are (`encode_response.ts`). */
const responses = new ByteSlab(64 * 1024);
/** The sections of cached answers likewise (a chunk goes once its answers are evicted). */
const cachedSections = new ByteSlab(64 * 1024);

/** Writes the response: header, the question as asked, the sections, OPT with DO set. */
function writeSigned(
  request: Uint8Array,
  q: {
    id: number;
    flags: number;
    questionEnd: number;
    ednsPayload: number;
    nsidRequested: boolean;
  },
  body: SignedBody,
  settings: SignedAnswerSettings,
  tcp: boolean,
): Uint8Array {
  const nsid = q.nsidRequested ? settings.nsid : undefined;
  const optBytes = 11 + (nsid ? 4 + nsid.length : 0);
  let size = q.questionEnd + body.sections.length + optBytes;
  const limit = tcp ? LIMIT.TCP_MESSAGE : udpSizeLimit(q.ednsPayload);
  const truncated = size > limit;
  if (truncated) size = q.questionEnd + optBytes;
  const out = responses.alloc(size);
  // RFC 4035 §3.1.6: CD is copied; AD is never set by an authoritative server.
  let flags = FLAG.QR | (q.flags & (0x7800 | FLAG.RD | FLAG.CD)) | (body.rcode & 0xf);
  if (body.aa) flags |= FLAG.AA;
  if (truncated) flags |= FLAG.TC;
  const [an, ns, ar] = truncated ? [0, 0, 1] : [body.counts[0], body.counts[1], body.counts[2] + 1];
  // Every byte is written: slab memory is not assumed clean.
  put16(out, 0, q.id);
  put16(out, 2, flags);
  put16(out, 4, 1);
  put16(out, 6, an);
  put16(out, 8, ns);
  put16(out, 10, ar);
  out.set(request.subarray(LIMIT.HEADER, q.questionEnd), LIMIT.HEADER);
  let pos = q.questionEnd;
  if (!truncated) {
    out.set(body.sections, pos);
    pos += body.sections.length;
  }
  // OPT (RFC 6891 §6.1.2): root owner, our payload size, extended RCODE and version 0, DO set
  // (RFC 3225 §3), then the NSID option when asked for (RFC 5001 §2.3).
  out[pos] = 0;
  put16(out, pos + 1, TYPE.OPT);
  put16(out, pos + 3, LIMIT.EDNS_PAYLOAD);
  put16(out, pos + 5, 0);
  put16(out, pos + 7, 0x8000);
  put16(out, pos + 9, nsid ? 4 + nsid.length : 0);
  if (nsid) {
    put16(out, pos + 11, EDNS_OPTION.NSID);
    put16(out, pos + 13, nsid.length);
    out.set(nsid, pos + 15);
  }
  return out;
}

function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = value >> 8;
  out[at + 1] = value & 0xff;
}
