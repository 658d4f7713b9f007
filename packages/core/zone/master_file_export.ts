/**
 * Writes a zone as an RFC 1035 §5 master file that {@linkcode parseMasterFile}
 * reads back to the same records: `dmp zone export`, the operator API's
 * export route and `dmp record list`.
 *
 * Every name is written fully qualified (trailing dot), and the file starts
 * with `$ORIGIN .` besides, so no name can be read relative to anything. TXT and
 * SPF keep their character-strings as stored (RFC 1035 §3.3.14); bytes outside
 * printable ASCII are written `\DDD`. A value whose stored spelling would not
 * read back to itself is written in the RFC 3597 §5 generic form, which always
 * does. Records with a DMP lifetime are written commented out with their
 * expiry (`;dmp-expires=<unix seconds> <record>`): they are users' data that
 * expire by themselves, so a re-import does not turn them into permanent zone
 * data (and `--replace` leaves them alone).
 *
 * This module is browser compatible.
 * @module
 */

import type { StoredRecord, StoredZone } from "../store/records.ts";
import { bytesToHex } from "../dmp/hex.ts";
import { typeCode } from "../wire/constants.ts";
import { decodeTxtStrings, encodeRdata } from "../wire/rdata.ts";
import { encodeTxtRdataSplit } from "../wire/txt_split.ts";
import { parseRdataText } from "./master_file.ts";
import { zoneSoa } from "./zone_index.ts";

/** The fields of a record the export writes. */
export type ExportedRecord = Pick<
  StoredRecord,
  "name" | "type" | "value" | "ttl" | "expiresAt" | "txtSplit"
>;

const ENCODER = new TextEncoder();

/** RFC 1035 §5.1 <character-string> in quotes; `"`, `\` and non-printable bytes escaped. */
function quoted(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + String(b).padStart(3, "0");
  }
  return s + '"';
}

/** Which space-separated field of a stored value is a domain name (-1: the last). */
const NAME_FIELD: Readonly<Record<string, number>> = {
  NS: 0,
  CNAME: 0,
  PTR: 0,
  DNAME: 0,
  MX: 1,
  SRV: 3,
  SVCB: 1,
  HTTPS: 1,
  NAPTR: -1, // RFC 3403 §4.1: the replacement is the last field, after the quoted ones
};

/** The stored value with its domain name written absolute (trailing dot), so it reads back anywhere. */
function qualified(type: string, value: string): string {
  const field = NAME_FIELD[type];
  if (field === undefined) return value;
  const cut = field === -1 ? value.lastIndexOf(" ") + 1 : nthSpace(value, field);
  if (cut < 0) return value;
  const end = value.indexOf(" ", cut);
  const name = end === -1 ? value.slice(cut) : value.slice(cut, end);
  if (name === "." || name.endsWith(".")) return value;
  return value.slice(0, cut) + name + "." + (end === -1 ? "" : value.slice(end));
}

/** Index after the n-th space (0: the start), or -1. */
function nthSpace(value: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = value.indexOf(" ", at);
    if (at === -1) return -1;
    at++;
  }
  return at;
}

/**
 * The RDATA of one stored record in presentation form, names fully
 * qualified (with their trailing dot).
 *
 * @example
 * ```ts
 * import { rdataText } from "./master_file_export.ts";
 * if (rdataText({ type: "TXT", value: 'say "hi"' }) !== '"say \\"hi\\""') throw new Error();
 * ```
 */
export function rdataText(r: Pick<StoredRecord, "type" | "value" | "txtSplit">): string {
  const code = typeCode(r.type);
  if (r.type === "TXT" || r.type === "SPF") {
    const strings = decodeTxtStrings(encodeTxtRdataSplit(r.value, r.txtSplit ?? "")) ?? [];
    // An empty TXT value is one empty character-string (RFC 1035 §3.3.14 needs at least one).
    return strings.length ? strings.map(quoted).join(" ") : '""';
  }
  if (r.type === "CAA") {
    const m = /^(\d+) (\S+) ([\s\S]*)$/.exec(r.value);
    if (m) return `${m[1]} ${m[2]} ${quoted(ENCODER.encode(m[3]))}`;
  }
  const text = qualified(r.type, r.value);
  const back = parseRdataText(r.type, text);
  if (back.ok && back.value === r.value) return text;
  // RFC 3597 §5: the generic form reads back to the same RDATA whatever the type.
  const rdata = code === undefined ? null : encodeRdata(code, r.value);
  if (!rdata) throw new Error(`cannot export ${r.type} value ${JSON.stringify(r.value)}`);
  return `\\# ${rdata.length}${rdata.length ? " " + bytesToHex(rdata).toUpperCase() : ""}`;
}

/**
 * One record as a master-file line, fully qualified; a record with a DMP
 * lifetime as a comment carrying its expiry (see the module doc).
 *
 * @example
 * ```ts
 * import { recordLine } from "./master_file_export.ts";
 * const line = recordLine({ name: "www.example.com", type: "MX", ttl: 60, value: "10 mx.example.com", expiresAt: 0 });
 * if (line !== "www.example.com.\t60\tIN\tMX\t10 mx.example.com.") throw new Error(line);
 * ```
 */
export function recordLine(r: ExportedRecord): string {
  // The root's owner is "." already; every other name gets its trailing dot.
  const owner = r.name === "." ? "." : `${r.name}.`;
  const line = `${owner}\t${r.ttl}\tIN\t${r.type}\t${rdataText(r)}`;
  return r.expiresAt > 0 ? `;dmp-expires=${r.expiresAt} ${line}` : line;
}

/** RFC 4034 §6.1 canonical name order (labels compared right to left, case-folded). */
function compareNames(a: string, b: string): number {
  const la = a.split(".").reverse();
  const lb = b.split(".").reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return la[i] < lb[i] ? -1 : 1;
  }
  return la.length - lb.length;
}

/**
 * A whole zone as a master file: `$ORIGIN .`, the SOA as served (TTL =
 * MINIMUM, as the node serves it), then every record in canonical name order,
 * types by number, an RRset's records in publish order (stable sort), so two
 * exports of the same zone are the same bytes.
 *
 * @param zone the zone row
 * @param records the zone's live records, in publish order
 * @returns the file text, ending in a newline
 *
 * @example
 * ```ts ignore
 * const text = exportZoneText(zone, await readZoneRecords(client, zone.name, now));
 * ```
 */
export function exportZoneText(zone: StoredZone, records: readonly ExportedRecord[]): string {
  const firstNs = records.find((r) => r.type === "NS" && r.name === zone.name)?.value;
  const soa = zoneSoa(zone, firstNs);
  const sorted = records.slice().sort((a, b) =>
    compareNames(a.name, b.name) || (typeCode(a.type) ?? 0) - (typeCode(b.type) ?? 0)
  );
  const lines = [
    `; zone ${zone.name}, serial policy ${zone.serialPolicy ?? "unixtime"}`,
    "$ORIGIN .",
    `${zone.name}.\t${soa.minimum}\tIN\tSOA\t${qualified("NS", soa.mname)} ` +
    `${qualified("NS", soa.rname)} ${soa.serial} ` +
    `${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`,
  ];
  for (const r of sorted) lines.push(recordLine(r));
  return lines.join("\n") + "\n";
}
