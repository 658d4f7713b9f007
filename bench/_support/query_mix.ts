/**
 * The query mixes of the query-rate benchmark, as dnsperf input files for
 * the zone of `txt_zone.ts`:
 *
 * - `main`: dnsperf's text format (`name type` per line, no EDNS), ~90%
 *   existing slot names (TXT), ~9% NXDOMAIN, ~1% apex SOA; the mix of the
 *   earlier runs, kept so results stay comparable.
 * - `dmp`: what DMP clients and their resolvers send. EDNS (RFC 6891, payload
 *   1232) on every query, the DO bit on half of them, every name in random
 *   0x20 case, 50% NXDOMAIN under `mb-*`/`slot-*` names (mailbox polling of
 *   an empty slot or an unknown mailbox), 45% existing slots (TXT), 5% apex
 *   SOA.
 * - `negative`: ANY- and NODATA-heavy, EDNS on every query: 30% ANY at an
 *   existing slot, 30% NODATA at an existing slot (A or AAAA), 20% NODATA at
 *   an empty non-terminal (`mb-*`, TXT), 20% NXDOMAIN.
 *
 * dnsperf's text format cannot set EDNS flags per line (`-e`/`-D` apply to
 * every query), so `dmp` and `negative` are written in dnsperf's binary
 * input format (`dnsperf -B`: each query a 2-byte length and the wire
 * message, of which dnsperf rewrites only the ID), which keeps one dnsperf
 * process, one query stream and exact per-query flags.
 *
 * @module
 */

import { BENCH_ZONE, HEX, type TxtZone } from "./txt_zone.ts";

/** The mixes, in the order they run. */
export const MIX_NAMES = ["main", "dmp", "negative"] as const;
/** One mix's name. */
export type MixName = typeof MIX_NAMES[number];

/** A dnsperf input file for one mix. */
export interface QueryMix {
  name: MixName;
  /** one line saying what the mix holds, counted */
  description: string;
  /** the file's bytes */
  bytes: Uint8Array;
  /** dnsperf flags the file needs (`-B` for the binary format) */
  dnsperfFlags: string[];
  /** a few queries of the mix, wire-encoded, for the cross-server sanity check */
  sample: { label: string; wire: Uint8Array }[];
}

const QTYPE: Record<string, number> = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28, ANY: 255 };

/**
 * A query message: `name` as given (case kept), with an OPT record (payload
 * 1232, DO as asked) when `edns`; ID 0 (dnsperf sets it).
 */
export function wireQuery(
  name: string,
  type: string,
  edns: boolean,
  dnssecOk: boolean,
): Uint8Array {
  const labels = name.replace(/\.$/, "").split(".");
  const qnameLen = labels.reduce((n, l) => n + 1 + l.length, 1);
  const out = new Uint8Array(12 + qnameLen + 4 + (edns ? 11 : 0));
  out[5] = 1; // QDCOUNT
  out[11] = edns ? 1 : 0; // ARCOUNT
  let p = 12;
  for (const l of labels) {
    out[p++] = l.length;
    for (let i = 0; i < l.length; i++) out[p++] = l.charCodeAt(i);
  }
  out[p++] = 0;
  const t = QTYPE[type];
  if (t === undefined) throw new Error(`wireQuery: no code for type ${type}`);
  out[p++] = t >> 8;
  out[p++] = t & 0xff;
  out[p++] = 0;
  out[p++] = 1; // class IN
  // RFC 6891 §6.1.2: root owner, TYPE 41, CLASS = UDP payload, TTL = ext-rcode, version, DO.
  if (edns) out.set([0, 0, 41, 0x04, 0xd0, 0, 0, dnssecOk ? 0x80 : 0, 0, 0, 0], p);
  return out;
}

/** The DNS 0x20 trick (draft-vixie-dnsext-dns0x20): each letter's case drawn at random. */
function randomCase(name: string, r: () => number): string {
  let s = "";
  for (const ch of name) s += r() < 0.5 ? ch.toUpperCase() : ch;
  return s;
}

function binaryFile(queries: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(queries.reduce((n, q) => n + 2 + q.length, 0));
  let p = 0;
  for (const q of queries) {
    out[p++] = q.length >> 8;
    out[p++] = q.length & 0xff;
    out.set(q, p);
    p += q.length;
  }
  return out;
}

/**
 * Builds the mix `name` of `count` queries over `zone` (its seeded random
 * sequence continues, so the same seed gives the same files).
 */
export function buildQueryMix(zone: TxtZone, name: MixName, count = 200_000): QueryMix {
  const { records, mailboxes, pick } = zone;
  const r = zone.random;
  const anyRecord = () => records[Math.floor(r() * records.length)].name;
  const absentMailbox = () => {
    let mb = pick(HEX, 12);
    while (mailboxes.has(mb)) mb = pick(HEX, 12);
    return mb;
  };
  // An absent slot of a real mailbox (slots run 0–9) or any slot of an absent mailbox.
  const nxName = () =>
    r() < 0.5
      ? `slot-${10 + Math.floor(r() * 90)}.${anyRecord().split(".").slice(1).join(".")}`
      : `slot-${Math.floor(r() * 10)}.mb-${absentMailbox()}.${BENCH_ZONE}`;
  const ent = () => anyRecord().split(".").slice(1).join(".");
  const counts = new Map<string, number>();
  const count1 = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const described = () => [...counts].map(([k, n]) => `${n} ${k}`).join(", ");

  if (name === "main") {
    // As before this harness had mixes: lower case, no EDNS (resolvers mostly send lower case).
    const q: string[] = [];
    for (let i = 0; i < count; i++) {
      const x = r();
      if (x < 0.9) {
        q.push(`${anyRecord()} TXT`);
        count1("existing TXT");
      } else if (x < 0.99) {
        q.push(`slot-${Math.floor(r() * 10)}.mb-${absentMailbox()}.${BENCH_ZONE} TXT`);
        count1("NXDOMAIN");
      } else {
        q.push(`${BENCH_ZONE} SOA`);
        count1("apex SOA");
      }
    }
    const hit = records[12345 % records.length].name;
    return {
      name,
      description: `main (text format, no EDNS, lower case): ${described()}`,
      bytes: new TextEncoder().encode(q.join("\n") + "\n"),
      dnsperfFlags: [],
      sample: [
        ["hit TXT", hit, "TXT"],
        ["hit TXT upper case", hit.toUpperCase(), "TXT"],
        ["NXDOMAIN", `nope.${BENCH_ZONE}`, "TXT"],
        ["apex SOA", BENCH_ZONE, "SOA"],
      ].map(([label, n, t]) => ({ label, wire: wireQuery(n, t, false, false) })),
    };
  }

  const wires: Uint8Array[] = [];
  const sample: { label: string; wire: Uint8Array }[] = [];
  const add = (label: string, qname: string, type: string, dnssecOk: boolean) => {
    const wire = wireQuery(randomCase(qname, r), type, true, dnssecOk);
    wires.push(wire);
    count1(label);
    if (sample.filter((s) => s.label === label).length < 3) sample.push({ label, wire });
  };
  let withDo = 0;
  for (let i = 0; i < count; i++) {
    const x = r();
    if (name === "dmp") {
      const dnssecOk = r() < 0.5;
      if (dnssecOk) withDo++;
      if (x < 0.45) add("existing TXT", anyRecord(), "TXT", dnssecOk);
      else if (x < 0.95) add("NXDOMAIN", nxName(), "TXT", dnssecOk);
      else add("apex SOA", BENCH_ZONE, "SOA", dnssecOk);
    } else {
      if (x < 0.3) add("ANY at a slot", anyRecord(), "ANY", false);
      else if (x < 0.6) add("NODATA at a slot", anyRecord(), r() < 0.5 ? "A" : "AAAA", false);
      else if (x < 0.8) add("NODATA at an mb- empty non-terminal", ent(), "TXT", false);
      else add("NXDOMAIN", nxName(), "TXT", false);
    }
  }
  const what = name === "dmp"
    ? `dmp (binary, EDNS 1232 on all, DO on ${withDo}, random 0x20 case): `
    : "negative (binary, EDNS 1232 on all, no DO, random 0x20 case): ";
  return {
    name,
    description: what + described(),
    bytes: binaryFile(wires),
    dnsperfFlags: ["-B"],
    sample,
  };
}
