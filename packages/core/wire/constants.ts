/**
 * DNS wire constants: IANA registries as `as const` tables, named after the
 * mnemonics (RFC 1035 §3.2, RFC 2136 §1.3, RFC 6891, RFC 8945). Logs and metric
 * labels take their names from the same tables via {@linkcode rcodeName}.
 *
 * This module is browser compatible.
 * @module
 */

/** Resource record TYPE codes (RFC 1035 §3.2.2 and later registrations). */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  HINFO: 13,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  TLSA: 52,
  SMIMEA: 53,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  /** RFC 9824 §3: a name that does not exist, in compact denial NSEC bitmaps */
  NXNAME: 128,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  URI: 256,
  CAA: 257,
} as const;

/** CLASS codes (RFC 1035 §3.2.4; NONE from RFC 2136 §1.3). */
export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** OPCODE values (RFC 1035 §4.1.1, RFC 1996, RFC 2136). */
export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** RCODE values, including the extended ones carried in OPT and TSIG (RFC 6891, RFC 8945). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

/** EDNS option codes (RFC 6891 §6.1.2 registry). */
export const EDNS_OPTION = {
  /** RFC 5001 §2.3: name server identifier */
  NSID: 3,
  /** RFC 7828 §3.1: edns-tcp-keepalive (idle timeout in units of 100 ms) */
  TCP_KEEPALIVE: 11,
  /** RFC 7830 §3: padding (zero octets, the last option of the OPT) */
  PADDING: 12,
} as const;

/** Header flag masks in the 16-bit flags word (RFC 1035 §4.1.1). */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  /** RFC 4035 §3.2.2: checking disabled */
  CD: 0x0010,
} as const;

/** Size limits of the wire format. */
export const LIMIT = {
  /** RFC 1035 §2.3.4: a label is at most 63 octets. */
  LABEL: 63,
  /** RFC 1035 §2.3.4: a name is at most 255 octets on the wire. */
  NAME: 255,
  /** RFC 1035 §4.2.1: UDP messages without EDNS are at most 512 octets. */
  UDP_CLASSIC: 512,
  /** RFC 1035 §3.3: a character-string is at most 255 octets. */
  CHARACTER_STRING: 255,
  /** RFC 1035 §4.2.2: TCP messages carry a 16-bit length prefix. */
  TCP_MESSAGE: 65535,
  /** Header length (RFC 1035 §4.1.1). */
  HEADER: 12,
  /** EDNS payload size we advertise (RFC 6891 §6.2.5; 1232 avoids fragmentation, DNS flag day 2020). */
  EDNS_PAYLOAD: 1232,
} as const;

const RCODE_NAMES: Record<number, string> = {
  0: "noerror",
  1: "formerr",
  2: "servfail",
  3: "nxdomain",
  4: "notimp",
  5: "refused",
  6: "yxdomain",
  7: "yxrrset",
  8: "nxrrset",
  9: "notauth",
  10: "notzone",
  16: "badvers",
};

/**
 * Lower-case mnemonic of an rcode, as used in the `outcome` metric label.
 *
 * @example
 * ```ts
 * import { rcodeName, RCODE } from "./constants.ts";
 * if (rcodeName(RCODE.NXDOMAIN) !== "nxdomain") throw new Error();
 * ```
 */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `rcode${rcode}`;
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TYPE).map(([k, v]) => [v, k]),
);

/**
 * Mnemonic of a TYPE code, or `TYPE<n>` (RFC 3597 §5) for unknown codes.
 *
 * @example
 * ```ts
 * import { typeName } from "./constants.ts";
 * if (typeName(16) !== "TXT" || typeName(99) !== "TYPE99") throw new Error();
 * ```
 */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

/**
 * TYPE code of a mnemonic (case-insensitive; `TYPE<n>` accepted), or undefined.
 *
 * @example
 * ```ts
 * import { typeCode } from "./constants.ts";
 * if (typeCode("txt") !== 16) throw new Error();
 * ```
 */
export function typeCode(name: string): number | undefined {
  const upper = name.toUpperCase();
  if (upper in TYPE) return TYPE[upper as keyof typeof TYPE];
  const m = /^TYPE(\d{1,5})$/.exec(upper);
  return m ? Number(m[1]) : undefined;
}

/** Layout of an answer RR whose owner is a 2-byte compression pointer (RFC 1035 §4.1.3, §4.1.4). */
export const POINTER_RR = {
  /** offset of the TTL field */
  TTL_OFFSET: 6,
  /** bytes before the RDATA: pointer, type, class, TTL, RDLENGTH */
  HEADER_BYTES: 12,
} as const;
