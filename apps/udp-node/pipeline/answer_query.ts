/**
 * The synchronous query path: parse → route → lookup → synthesize → encode.
 * UDP, TCP, DoH, the tests and the fuzzer all call {@linkcode answerQuery};
 * UPDATE and TSIG-signed messages are handed back for the async path.
 *
 * @module
 */

import { CLASS, LIMIT, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { encodeResponse } from "./encode_response.ts";
import { parseRequest } from "./parse_query.ts";

/** What the transport does with a request. */
export type QueryOutcome =
  | { kind: "reply"; bytes: Uint8Array; outcome: string }
  | { kind: "drop"; outcome: string }
  | { kind: "async"; path: "update" | "signed" };

/** Settings the query path reads on every packet. */
export interface QuerySettings {
  /** DMP_DNS_TTL: upper bound of TTLs of expiring (DMP) records */
  maxTtl: number;
}

/** Answers a QUERY from the zone index; `sizeLimit` is Infinity for TCP. */
export function answerQuery(
  request: Uint8Array,
  index: ZoneIndex,
  settings: QuerySettings,
  transport: { tcp: boolean; now: number },
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
      return {
        kind: "reply",
        outcome: parsed.kind,
        bytes: encodeResponse({
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
          ednsPayload: -1,
          dnssecOk: false,
          sizeLimit: LIMIT.TCP_MESSAGE,
        }),
      };
  }
  const q = parsed;
  const base = {
    request,
    id: q.id,
    requestFlags: q.flags,
    questionEnd: q.questionEnd,
    maxTtl: settings.maxTtl,
    now: transport.now,
    ednsPayload: q.ednsPayload,
    dnssecOk: q.dnssecOk,
    // RFC 6891 §6.2.5: sizes below 512 are treated as 512.
    sizeLimit: transport.tcp
      ? LIMIT.TCP_MESSAGE
      : q.ednsPayload >= 0
      ? Math.max(512, q.ednsPayload)
      : 512,
    soaOwnerOffset: -1,
    answers: [],
  };
  // RFC 6891 §6.1.3: an unknown EDNS version is answered BADVERS, with no answer.
  if (q.ednsPayload >= 0 && q.ednsVersion > 0) {
    return {
      kind: "reply",
      outcome: "badvers",
      bytes: encodeResponse({ ...base, rcode: 0, aa: false, extendedRcode: RCODE.BADVERS >> 4 }),
    };
  }
  // Only class IN (and ANY in questions) is served; CHAOS etc. are not ours.
  if (q.qclass !== CLASS.IN && q.qclass !== CLASS.ANY) {
    return {
      kind: "reply",
      outcome: "refused",
      bytes: encodeResponse({ ...base, rcode: RCODE.REFUSED, aa: false }),
    };
  }
  const result = index.lookup(q.qname, q.qtype, transport.now);
  if (result.kind === "refused") {
    // Brief §8.1 item 2: a proper authority refuses names outside its zones.
    return {
      kind: "reply",
      outcome: "refused",
      bytes: encodeResponse({ ...base, rcode: RCODE.REFUSED, aa: false }),
    };
  }
  const zone = result.zone;
  const soaOwnerOffset = apexOffset(q.qname, q.labelOffsets, zone.name);
  if (result.kind === "answer") {
    const soaInAnswer = result.rrsets.length === 0 ||
      (q.qtype === TYPE.ANY && q.qname === zone.name);
    return {
      kind: "reply",
      outcome: "noerror",
      bytes: encodeResponse({
        ...base,
        rcode: RCODE.NOERROR,
        aa: true,
        answers: result.rrsets,
        soaZone: soaInAnswer ? zone : undefined,
        soaInAnswer,
        soaOwnerOffset,
      }),
    };
  }
  // RFC 2308 §2.1/§2.2: NXDOMAIN and NODATA carry the zone SOA in the authority section.
  const rcode = result.kind === "nxdomain" ? RCODE.NXDOMAIN : RCODE.NOERROR;
  return {
    kind: "reply",
    outcome: result.kind === "nxdomain" ? "nxdomain" : "noerror",
    bytes: encodeResponse({ ...base, rcode, aa: true, soaZone: zone, soaOwnerOffset }),
  };
}

/** Offset of the label where the zone apex starts inside the question name. */
function apexOffset(qname: string, labelOffsets: number[], zone: string): number {
  if (zone === "") return -1;
  const zoneLabels = zone.split(".").length;
  const qLabels = labelOffsets.length;
  if (qLabels < zoneLabels || qname.split(".").length !== qLabels) return -1;
  return labelOffsets[qLabels - zoneLabels];
}
