/**
 * The synchronous query path: parse → route → lookup → synthesize → encode.
 * UDP, TCP, DoH, the tests and the fuzzer all call {@linkcode answerQuery};
 * UPDATE and TSIG-signed messages are handed back for the async path.
 *
 * @module
 */

import { CLASS, LIMIT, POINTER_RR, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import type { IndexedRRset, ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { encodeTxtRdata } from "../../../packages/core/wire/rdata.ts";
import { writeUint16 } from "../../../packages/core/wire/network_order.ts";
import { FNV1A_START, fnv1aStep } from "../../../packages/core/hash/fnv1a.ts";
import { RESPONSE_CLASS } from "../../../packages/core/rate_limit/response_rate_limiter.ts";
import { encodeResponse, type ResponsePlan } from "./encode_response.ts";
import { parseRequest, questionName } from "./parse_query.ts";
import type { StreamEdns } from "../../../packages/core/wire/edns.ts";

const NO_ANSWERS: ResponsePlan["answers"] = [];

/**
 * What the transport does with a request. A reply carries its response
 * class and the hash of what response rate limiting keys that class on
 * (qname+qtype, the zone, the delegation point, the wildcard owner+qtype, or
 * 0), so UDP can rate-limit without re-reading it.
 */
export type QueryOutcome =
  | { kind: "reply"; bytes: Uint8Array; outcome: string; rrlClass: number; rrlName: number }
  | { kind: "drop"; outcome: string }
  | { kind: "async"; path: "update" | "signed" | "dnssec" };

/** Settings the query path reads on every packet. */
export interface QuerySettings {
  /** DMP_DNS_TTL: upper bound of TTLs of expiring (DMP) records */
  maxTtl: number;
  /** DMP_DNS_CHAOS_VERSION: CHAOS TXT version.bind; empty or absent = REFUSED */
  chaosVersion?: string;
  /** DMP_DNS_CHAOS_IDENTITY: CHAOS TXT id.server (RFC 4892); empty or absent = REFUSED */
  chaosIdentity?: string;
  /** DMP_DNS_NSID as bytes: sent to clients that ask (RFC 5001); absent = off */
  nsid?: Uint8Array;
  /**
   * Apexes of the zones being signed (kept current by the node). A DO=1 query
   * for one of them goes to the async signing path (`signed_answer.ts`);
   * nothing else looks at it, so DO=0 answers are unchanged.
   */
  signedZones?: ReadonlySet<string>;
}

/**
 * Answers a QUERY from the zone index. `transport.stream` comes from TCP and
 * DoT listeners: the EDNS options they add when the query asks (RFC 7828,
 * RFC 8467); UDP passes none.
 */
export function answerQuery(
  request: Uint8Array,
  index: ZoneIndex,
  settings: QuerySettings,
  transport: { tcp: boolean; now: number; stream?: StreamEdns },
): QueryOutcome {
  const parsed = parseRequest(request);
  switch (parsed.kind) {
    case "drop":
      return { kind: "drop", outcome: "malformed" };
    case "update":
    case "signed":
      return { kind: "async", path: parsed.kind };
    case "formerr":
    case "notimp":
      return reply(
        parsed.kind,
        encodeResponse({
          request,
          id: parsed.id,
          requestFlags: parsed.flags,
          questionEnd: parsed.questionEnd,
          rcode: parsed.kind === "formerr" ? RCODE.FORMERR : RCODE.NOTIMP,
          aa: false,
          answers: [],
          soaOwnerOffset: -1,
          maxTtl: settings.maxTtl,
          now: transport.now,
          // RFC 6891 §7: a responder that sees an OPT answers with one, FORMERR included.
          ednsPayload: parsed.kind === "formerr" && parsed.edns ? 0 : -1,
          dnssecOk: false,
          sizeLimit: LIMIT.TCP_MESSAGE,
        }),
        RESPONSE_CLASS.ERROR,
        0,
      );
  }
  const q = parsed;
  // One plan object with every field, filled in per branch: object spreads per query cost
  // ~11 µs on Node 20 (measured by bench/udp_qps_vs_nsd/hot_path.ts).
  const plan: ResponsePlan = {
    request,
    id: q.id,
    requestFlags: q.flags,
    questionEnd: q.questionEnd,
    rcode: RCODE.NOERROR,
    aa: true,
    answers: NO_ANSWERS,
    table: undefined,
    tableEntry: -1,
    soaZone: undefined,
    soaInAnswer: false,
    soaOwnerOffset: -1,
    maxTtl: settings.maxTtl,
    now: transport.now,
    ednsPayload: q.ednsPayload,
    dnssecOk: q.dnssecOk,
    extendedRcode: 0,
    sizeLimit: transport.tcp ? LIMIT.TCP_MESSAGE : udpSizeLimit(q.ednsPayload),
    sections: undefined,
    qname: undefined,
    nsid: q.nsidRequested && q.ednsPayload >= 0 ? settings.nsid : undefined,
    keepalive: -1,
    padBlock: 0,
  };
  const stream = transport.stream;
  if (stream) {
    if (q.keepaliveRequested) plan.keepalive = stream.keepalive;
    if (q.paddingRequested) plan.padBlock = stream.padBlock;
  }
  // RFC 6891 §6.1.3: an unknown EDNS version is answered BADVERS, with no answer.
  if (q.ednsPayload >= 0 && q.ednsVersion > 0) {
    plan.aa = false;
    plan.extendedRcode = RCODE.BADVERS >> 4;
    return reply("badvers", encodeResponse(plan), RESPONSE_CLASS.ERROR, 0);
  }
  const nameTypeHash = fnv1aStep(fnv1aStep(q.keyHash, q.qtype >> 8), q.qtype & 0xff);
  // Only class IN (and ANY in questions) is served, and CHAOS server identification if configured.
  if (q.qclass !== CLASS.IN && q.qclass !== CLASS.ANY) {
    const text = q.qclass === CLASS.CH ? chaosText(questionName(q, request), settings) : "";
    if (text) {
      if (q.qtype === TYPE.TXT || q.qtype === TYPE.ANY) plan.answers = [chaosTxt(text)];
      return reply("noerror", encodeResponse(plan), RESPONSE_CLASS.POSITIVE, nameTypeHash);
    }
    plan.rcode = RCODE.REFUSED;
    plan.aa = false;
    return reply("refused", encodeResponse(plan), RESPONSE_CLASS.ERROR, 0);
  }
  // DNSSEC (RFC 4035 §3.1): DO=1 questions about signed zones are answered and signed off the
  // synchronous path; only DO=1 pays for the zone search.
  const signed = settings.signedZones;
  if (q.dnssecOk && signed !== undefined && signed.size > 0) {
    const zone = index.findZone(questionName(q, request));
    if (zone && signed.has(zone.name)) return { kind: "async", path: "dnssec" };
  }
  // The packed answer table answers most queries (a name's RRset of the asked type).
  const table = q.plainName ? index.answerTable() : undefined;
  if (table) {
    const entry = table.find(q.key, q.keyLength, q.keyHash, q.qtype, transport.now);
    if (entry >= 0) {
      plan.table = table;
      plan.tableEntry = entry;
      return reply("noerror", encodeResponse(plan), RESPONSE_CLASS.POSITIVE, nameTypeHash);
    }
    // The common DMP miss: NXDOMAIN (or NODATA) decided by the table's marks, no string built.
    const rcode = table.negative(q.key, q.keyLength, q.keyHash, q.qtype, transport.now);
    if (rcode >= 0) {
      const zone = table.negativeZone!;
      plan.rcode = rcode;
      plan.soaZone = zone;
      plan.soaOwnerOffset = table.negativeApexAt < 0 ? -1 : LIMIT.HEADER + table.negativeApexAt;
      const bytes = encodeResponse(plan);
      return rcode === RCODE.NXDOMAIN
        ? reply("nxdomain", bytes, RESPONSE_CLASS.NXDOMAIN, stringHash(zone.name))
        : reply("noerror", bytes, RESPONSE_CLASS.NODATA, nameTypeHash);
    }
  }
  const qname = questionName(q, request);
  const result = index.lookup(qname, q.qtype, transport.now);
  if (result.kind === "refused") {
    // Brief §8.1 item 2: a proper authority refuses names outside its zones.
    plan.rcode = RCODE.REFUSED;
    plan.aa = false;
    return reply("refused", encodeResponse(plan), RESPONSE_CLASS.ERROR, 0);
  }
  const zone = result.zone;
  plan.soaOwnerOffset = apexOffset(request, q.labelCount, zone.labelCount);
  if (result.kind === "sections") {
    // CNAME chains, referrals and NS answers with glue: RRsets under owners of their own.
    plan.rcode = result.rcode;
    plan.aa = result.aa;
    plan.sections = result;
    plan.qname = qname;
    plan.soaZone = result.soa === "none" ? undefined : zone;
    plan.soaInAnswer = result.soa === "answer";
    const bytes = encodeResponse(plan);
    const outcome = result.rcode === RCODE.NXDOMAIN
      ? "nxdomain"
      : result.rcode === RCODE.NOERROR
      ? "noerror"
      : "yxdomain";
    // RRL, in NSD's order: a wildcard-synthesized name keys on the wildcard whatever follows.
    if (result.wildcard !== undefined) {
      return reply(
        outcome,
        bytes,
        RESPONSE_CLASS.WILDCARD,
        ownerTypeHash(result.wildcard, q.qtype),
      );
    }
    if (result.rcode === RCODE.NXDOMAIN) {
      return reply(outcome, bytes, RESPONSE_CLASS.NXDOMAIN, stringHash(zone.name));
    }
    if (result.rcode !== RCODE.NOERROR) return reply(outcome, bytes, RESPONSE_CLASS.ERROR, 0);
    // Every name at or below a cut gets the same referral: one key per delegation point.
    if (result.cut !== undefined) {
      return reply(outcome, bytes, RESPONSE_CLASS.REFERRAL, stringHash(result.cut));
    }
    const nodata = result.soa === "authority";
    return reply(
      outcome,
      bytes,
      nodata ? RESPONSE_CLASS.NODATA : RESPONSE_CLASS.POSITIVE,
      nameTypeHash,
    );
  }
  if (result.kind === "answer") {
    const soaInAnswer = result.rrsets.length === 0 ||
      (q.qtype === TYPE.ANY && qname === zone.name);
    plan.answers = result.rrsets;
    plan.soaZone = soaInAnswer ? zone : undefined;
    plan.soaInAnswer = soaInAnswer;
    return result.wildcard === undefined
      ? reply("noerror", encodeResponse(plan), RESPONSE_CLASS.POSITIVE, nameTypeHash)
      : reply(
        "noerror",
        encodeResponse(plan),
        RESPONSE_CLASS.WILDCARD,
        ownerTypeHash(result.wildcard, q.qtype),
      );
  }
  // RFC 2308 §2.1/§2.2: NXDOMAIN and NODATA carry the zone SOA in the authority section.
  const nx = result.kind === "nxdomain";
  plan.rcode = nx ? RCODE.NXDOMAIN : RCODE.NOERROR;
  plan.soaZone = zone;
  const bytes = encodeResponse(plan);
  // RRL keys NXDOMAIN on the zone, so a random-subdomain flood is one key; wildcard NODATA
  // on the wildcard owner, for the same reason.
  if (nx) return reply("nxdomain", bytes, RESPONSE_CLASS.NXDOMAIN, stringHash(zone.name));
  return result.wildcard === undefined
    ? reply("noerror", bytes, RESPONSE_CLASS.NODATA, nameTypeHash)
    : reply("noerror", bytes, RESPONSE_CLASS.WILDCARD, ownerTypeHash(result.wildcard, q.qtype));
}

/** Every reply has one object shape (the transports' call sites stay monomorphic). */
function reply(
  outcome: string,
  bytes: Uint8Array,
  rrlClass: number,
  rrlName: number,
): QueryOutcome {
  return { kind: "reply", bytes, outcome, rrlClass, rrlName };
}

/** RRL key of a wildcard answer: its owner (`*.x`) and the qtype. */
function ownerTypeHash(owner: string, qtype: number): number {
  return fnv1aStep(fnv1aStep(stringHash(owner), qtype >> 8), qtype & 0xff) >>> 0;
}

function stringHash(s: string): number {
  let h = FNV1A_START;
  for (let i = 0; i < s.length; i++) h = fnv1aStep(h, s.charCodeAt(i));
  return h >>> 0;
}

/**
 * The largest UDP response for a request's EDNS payload size (-1 = no OPT).
 * RFC 6891 §6.2.5: sizes below 512 are treated as 512. The responder's own
 * limit caps the rest: we advertise {@linkcode LIMIT.EDNS_PAYLOAD} (1232, DNS
 * flag day 2020) and never send more over UDP whatever the client asks, as
 * NSD, Knot and BIND do; a larger answer gets TC=1 and goes over TCP. Honouring
 * 65535 let a 65-byte query return 62,592 bytes (issue 12 #4).
 */
export function udpSizeLimit(ednsPayload: number): number {
  if (ednsPayload < 0) return 512;
  return Math.min(LIMIT.EDNS_PAYLOAD, Math.max(512, ednsPayload));
}

/**
 * The configured text for a CHAOS server-identification name (the BIND names
 * and RFC 4892's `id.server`), or "" when there is none: those are REFUSED.
 */
function chaosText(qname: string, settings: QuerySettings): string {
  if (qname === "version.bind" || qname === "version.server") return settings.chaosVersion ?? "";
  if (qname === "id.server" || qname === "hostname.bind") return settings.chaosIdentity ?? "";
  return "";
}

const chaosSets = new Map<string, IndexedRRset>();

/** The CH TXT RRset (TTL 0, as NSD and BIND send) holding `text`, built once per text. */
function chaosTxt(text: string): IndexedRRset {
  let set = chaosSets.get(text);
  if (set) return set;
  const rdata = encodeTxtRdata(text);
  const wire = new Uint8Array(POINTER_RR.HEADER_BYTES + rdata.length);
  writeUint16(wire, 0, 0xc000 | LIMIT.HEADER);
  writeUint16(wire, 2, TYPE.TXT);
  writeUint16(wire, 4, CLASS.CH);
  writeUint16(wire, 10, rdata.length);
  wire.set(rdata, POINTER_RR.HEADER_BYTES);
  set = {
    type: TYPE.TXT,
    wire,
    records: [{ offset: 0, ttl: 0, expiresAt: 0 }],
    expiring: false,
    firstExpiry: Infinity,
  };
  chaosSets.set(text, set);
  return set;
}

/**
 * Offset in the question of the label where the zone apex starts, for the SOA
 * owner pointer; -1 for the root zone (written out, it is one byte).
 */
function apexOffset(request: Uint8Array, qLabels: number, zoneLabels: number): number {
  if (zoneLabels === 0 || qLabels < zoneLabels) return -1;
  let pos: number = LIMIT.HEADER;
  for (let skip = qLabels - zoneLabels; skip > 0; skip--) pos += 1 + request[pos];
  return pos;
}
