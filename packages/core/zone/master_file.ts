/**
 * Parser for RFC 1035 §5 master files ("zone files").
 *
 * Runtime-neutral: uses only web-standard APIs (TextEncoder/TextDecoder), no
 * `node:` modules, no `Deno.*`, no `Buffer`.
 *
 * Supported (RFC 1035 §5.1 unless noted): `$ORIGIN`, `$TTL` (RFC 2308 §4, with
 * BIND-style units), `$INCLUDE` (through an injected reader), BIND's `$GENERATE`, `@`, relative and absolute owner names, blank owner
 * (inherits the previous owner), optional TTL and class in either order,
 * parentheses spanning lines, `;` comments, quoted strings with `\X` and `\DDD`
 * escapes, and the record types SOA, NS, A, AAAA, TXT, CNAME, MX, SRV, CAA,
 * PTR, SPF, the field-described types of `wire/rdata_fields.ts` (HINFO,
 * NAPTR, DS, SSHFP, DNSKEY, TLSA, SMIMEA, OPENPGPKEY), and any other data type
 * as `TYPEnnn` with the RFC 3597 §5 generic RDATA `\# <length> <hex>`.
 *
 * @module
 */

import { typeCode, typeName } from "../wire/constants.ts";
import { rdataToValue } from "../wire/rdata.ts";
import { encodeSvcb, svcbToValue } from "../wire/svcb.ts";
import { encodeLoc, locToValue } from "../wire/loc.ts";
import {
  encodeFieldRdata,
  fieldRdataToValue,
  genericValue,
  isStorableType,
  RDATA_FIELDS,
} from "../wire/rdata_fields.ts";
import { parseIpv4 } from "../values/ipv4.ts";
import { formatIpv6, parseIpv6 } from "../values/ipv6.ts";
import { MAX_TTL, readTtlSyntax } from "../values/ttl.ts";

/**
 * One resource record read from a master file.
 *
 * @example
 * ```ts
 * const rr: MasterFileRecord = {
 *   name: "www.example.com",
 *   type: "TXT",
 *   ttl: 300,
 *   value: "hello world",
 *   txtStrings: [new TextEncoder().encode("hello "), new TextEncoder().encode("world")],
 *   line: 7,
 * };
 * ```
 */
export interface MasterFileRecord {
  /** Absolute owner name, lower-cased, without trailing dot ("" never; the root is "."). */
  name: string;
  /** The mnemonic (`TXT`), or `TYPEnnn` for types without one (RFC 3597 §5). */
  type: string;
  ttl: number;
  /** Canonical presentation of the RDATA:
   *  A: dotted quad; AAAA: RFC 5952 compressed lower-case; NS/CNAME: absolute target lower-case without trailing dot;
   *  MX: "<pref> <target>"; SRV: "<prio> <weight> <port> <target>"; CAA: "<flags> <tag> <value>" (value unquoted);
   *  SOA: "<mname> <rname> <serial> <refresh> <retry> <expire> <minimum>" (names absolute, no trailing dot);
   *  TXT, SPF: the character-strings concatenated into one string (decoded: \DDD and \X escapes resolved, UTF-8 decoded);
   *  PTR: like NS; field-described types: see `wire/rdata_fields.ts`; others: `\# <length> <HEX>`. */
  value: string;
  /** For TXT only: the individual character-strings as bytes, in order. */
  txtStrings?: Uint8Array[];
  /**
   * For TXT, instead of `txtStrings` when parsed with `txtLengthsOnly`: each
   * character-string's length in octets (all a store needs to keep the split,
   * at a fraction of the memory of a byte array per record).
   */
  txtLengths?: number[];
  /** 1-based line where the record started (for error messages). */
  line: number;
  /** The `$INCLUDE`d file the record came from (absent: the main file). */
  file?: string;
}

/**
 * Reads the file a `$INCLUDE` names (RFC 1035 §5.1), given the path as
 * written and the including file's path (undefined: the main file); returns
 * the file's resolved path and text, or throws. Injected so this parser stays
 * runtime-free, and absent where files must not be read (the operator API).
 */
export type IncludeReader = (
  path: string,
  including: string | undefined,
) => { path: string; text: string };

/** How deep `$INCLUDE`s may nest (a file including itself stops here, with the chain). */
export const MAX_INCLUDE_DEPTH = 8;
/** Records one `$GENERATE` may make (a typo in a range must not make billions). */
export const MAX_GENERATE_RECORDS = 65536;
/** Records all `$GENERATE`s of one file (with its includes) may make together. */
export const MAX_GENERATED_PER_FILE = 1048576;

/**
 * Record types with a mnemonic that {@linkcode parseRdataText} reads (every
 * type of a master file but SOA); `TYPEnnn` in the RFC 3597 form is read too.
 */
export const RDATA_TEXT_TYPES = [
  "NS",
  "A",
  "AAAA",
  "TXT",
  "CNAME",
  "MX",
  "SRV",
  "CAA",
  "PTR",
  "SPF",
  "HINFO",
  "NAPTR",
  "DS",
  "SSHFP",
  "DNSKEY",
  "TLSA",
  "SMIMEA",
  "OPENPGPKEY",
  "URI",
  "CERT",
  "DNAME",
  "SVCB",
  "HTTPS",
  "LOC",
] as const;

/** A type {@linkcode parseRdataText} reads. */
export type RdataTextType = typeof RDATA_TEXT_TYPES[number];

/**
 * Reads the RDATA of one record in master-file presentation form (RFC 1035
 * §5.1), exactly as {@linkcode parseMasterFile} reads it after the type, so
 * the operator API and master files accept the same values. Names are
 * absolute (the origin is the root), one logical line only: control
 * characters, so newlines, are refused before lexing, so a value can never
 * smuggle a second record or a `$` directive.
 *
 * @param type the record type
 * @param text the RDATA text, e.g. `10 mail.example.com` for MX
 * @returns the canonical value (see {@linkcode MasterFileRecord.value}) or the error
 *
 * @example
 * ```ts
 * import { parseRdataText } from "./master_file.ts";
 * const r = parseRdataText("MX", "10 Mail.Example.com.");
 * if (!r.ok || r.value !== "10 mail.example.com") throw new Error();
 * ```
 */
export function parseRdataText(
  type: RdataTextType | string,
  text: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const code = typeCode(type);
  if (
    code === undefined || code === 6 || !isStorableType(code) ||
    (!SUPPORTED_TYPES.has(typeName(code)) && !/^TYPE\d+$/.test(typeName(code)))
  ) {
    return { ok: false, error: `unknown or unsupported record type "${type}"` };
  }
  type = typeName(code);
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    return { ok: false, error: "control characters are not allowed" };
  }
  try {
    const lexer: LexState = { text: " " + text, pos: 0, line: 1 };
    const entry = readLogicalLine(lexer);
    if (!entry || entry.tokens.length === 0) fail(1, `${type} record needs RDATA`);
    if (readLogicalLine(lexer) !== null) fail(1, "expected one record");
    return { ok: true, value: parseRdata(type, entry.tokens, [], 1).value };
  } catch (e) {
    if (e instanceof MasterFileSyntaxError) return { ok: false, error: e.reason };
    throw e;
  }
}

/**
 * Result of {@link parseMasterFile}: either every record of the file, or the
 * first error (never partial records).
 *
 * @example
 * ```ts
 * const r: MasterFileResult = parseMasterFile("www 60 A 192.0.2.300\n", { origin: "example.com" });
 * if (!r.ok) console.error(r.line, r.error); // 1 'Cannot parse line 1: invalid IPv4 address "192.0.2.300"'
 * ```
 */
export type MasterFileResult =
  | { ok: true; records: MasterFileRecord[] }
  | { ok: false; line: number; error: string };

type RecordType = string;

/** RFC 1035 §3.1: labels are at most 63 octets, names at most 255 octets (wire form). */
const MAX_LABEL = 63;
const MAX_NAME = 255;
/** RFC 1035 §3.3: a <character-string> is a length octet followed by at most 255 octets. */
const MAX_CHARACTER_STRING = 255;
/** RFC 1035 §3.2.1: RDLENGTH is 16 bits. */
const MAX_RDATA = 0xffff;
const FALLBACK_TTL = 3600;

const SUPPORTED_TYPES: ReadonlySet<string> = new Set<RecordType>([
  "SOA",
  "NS",
  "A",
  "AAAA",
  "TXT",
  "CNAME",
  "MX",
  "SRV",
  "CAA",
  "PTR",
  "SPF",
  "SVCB",
  "HTTPS",
  "LOC",
  ...Object.keys(RDATA_FIELDS).map((code) => typeName(Number(code))),
]);
/** RFC 1035 §3.2.4 / RFC 2136 §1: known class mnemonics (only IN is accepted). */
const CLASS_NAMES: ReadonlySet<string> = new Set(["IN", "CH", "CS", "HS", "NONE", "ANY"]);

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { ignoreBOM: true });

/** Internal failure carrying the line to report; never escapes {@link parseMasterFile}. */
class MasterFileSyntaxError extends Error {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`Cannot parse line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

function fail(line: number, reason: string): never {
  throw new MasterFileSyntaxError(line, reason);
}

// ---------------------------------------------------------------------------
// Lexer (RFC 1035 §5.1): tokens, quoting, escapes, comments, parentheses.
// ---------------------------------------------------------------------------

interface Token {
  /** Raw text; for quoted tokens the content between the quotes. Escapes are left unresolved. */
  text: string;
  quoted: boolean;
  line: number;
}

interface LogicalLine {
  tokens: Token[];
  line: number;
  /** RFC 1035 §5.1: a line starting with blank space has no owner (the previous one is used). */
  blankOwner: boolean;
}

interface LexState {
  text: string;
  pos: number;
  line: number;
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r";
}

/** True when the character ends an unquoted token. */
function isDelimiter(c: string | undefined): boolean {
  return c === undefined || isSpace(c) || c === "\n" || c === ";" || c === "(" || c === ")";
}

/** Whether the physical line containing `pos` starts with blank space. */
function physicalLineStartsBlank(text: string, pos: number): boolean {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  return text[start] === " " || text[start] === "\t";
}

/**
 * Reads the next logical line (RFC 1035 §5.1: parentheses continue an entry
 * across line boundaries). Returns null at end of input.
 */
function readLogicalLine(s: LexState): LogicalLine | null {
  const text = s.text;
  const tokens: Token[] = [];
  let blankOwner = false;
  let openParenLine = 0;
  while (s.pos < text.length) {
    const c = text[s.pos];
    if (c === "\n") {
      s.pos++;
      s.line++;
      if (openParenLine === 0 && tokens.length > 0) break;
      continue;
    }
    if (isSpace(c)) {
      s.pos++;
      continue;
    }
    if (c === ";") {
      // Comment to end of line (RFC 1035 §5.1); quoted ';' is handled below.
      const nl = text.indexOf("\n", s.pos);
      s.pos = nl === -1 ? text.length : nl;
      continue;
    }
    if (c === "(") {
      if (openParenLine !== 0) fail(s.line, "nested '(' is not allowed");
      openParenLine = s.line;
      s.pos++;
      continue;
    }
    if (c === ")") {
      if (openParenLine === 0) fail(s.line, "')' without matching '('");
      openParenLine = 0;
      s.pos++;
      continue;
    }
    if (tokens.length === 0) blankOwner = physicalLineStartsBlank(text, s.pos);
    tokens.push(c === '"' ? readQuoted(s) : readUnquoted(s));
  }
  if (openParenLine !== 0) fail(openParenLine, "'(' is never closed");
  if (tokens.length === 0) return null;
  return { tokens, line: tokens[0].line, blankOwner };
}

function readQuoted(s: LexState): Token {
  const text = s.text;
  const line = s.line;
  const start = ++s.pos;
  for (;;) {
    const c = text[s.pos];
    if (c === undefined || c === "\n") fail(line, "unterminated quoted string");
    if (c === "\\") {
      const next = text[s.pos + 1];
      if (next === undefined || next === "\n") fail(line, "unterminated quoted string");
      s.pos += 2;
      continue;
    }
    if (c === '"') break;
    s.pos++;
  }
  const token: Token = { text: text.slice(start, s.pos), quoted: true, line };
  s.pos++;
  if (!isDelimiter(text[s.pos])) fail(line, "missing blank space after closing '\"'");
  return token;
}

/** Index of the `"` closing a quoted run that starts at `from` (escapes skipped), or -1. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
    else if (text[i] === "\n") return -1;
  }
  return -1;
}

function readUnquoted(s: LexState): Token {
  const text = s.text;
  const start = s.pos;
  for (;;) {
    const c = text[s.pos];
    if (isDelimiter(c)) break;
    if (c === '"') {
      // RFC 9460 §2.1: an SVCB parameter value may be quoted after its `=` (alpn="h2,h3").
      if (text[s.pos - 1] !== "=") fail(s.line, "unexpected '\"' inside an unquoted word");
      const close = closingQuote(text, s.pos + 1);
      if (close < 0) fail(s.line, "unterminated quoted value");
      s.pos = close + 1;
      continue;
    }
    if (c === "\\") {
      const next = text[s.pos + 1];
      if (next === undefined || next === "\n") fail(s.line, "'\\' at end of line");
      s.pos += 2;
      continue;
    }
    s.pos++;
  }
  return { text: text.slice(start, s.pos), quoted: false, line: s.line };
}

// ---------------------------------------------------------------------------
// Escapes and character-strings (RFC 1035 §5.1, §3.3).
// ---------------------------------------------------------------------------

interface Escape {
  bytes: Uint8Array;
  next: number;
}

/** Decodes the escape at `raw[i] === "\\"`: `\DDD` is a decimal octet, `\X` is X itself. */
function readEscape(raw: string, i: number, line: number): Escape {
  const c = raw[i + 1];
  if (c === undefined) fail(line, "'\\' at end of word");
  if (c >= "0" && c <= "9") {
    const digits = raw.slice(i + 1, i + 4);
    if (!/^[0-9]{3}$/.test(digits)) {
      fail(line, `bad escape "\\${digits}": \\DDD needs exactly three decimal digits`);
    }
    const value = Number(digits);
    if (value > 255) fail(line, `bad escape "\\${digits}": value above 255`);
    return { bytes: Uint8Array.of(value), next: i + 4 };
  }
  const cp = raw.codePointAt(i + 1) ?? 0;
  return { bytes: ENCODER.encode(String.fromCodePoint(cp)), next: i + 1 + (cp > 0xffff ? 2 : 1) };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Resolves escapes and UTF-8-encodes the rest of a word into octets. */
function decodeWord(raw: string, line: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let runStart = 0;
  let i = 0;
  while (i < raw.length) {
    if (raw[i] !== "\\") {
      i++;
      continue;
    }
    if (i > runStart) parts.push(ENCODER.encode(raw.slice(runStart, i)));
    const esc = readEscape(raw, i, line);
    parts.push(esc.bytes);
    i = runStart = esc.next;
  }
  if (i > runStart) parts.push(ENCODER.encode(raw.slice(runStart, i)));
  return concatBytes(parts);
}

/** Reads one RFC 1035 §3.3 <character-string>, rejecting more than 255 octets. */
function readCharacterString(token: Token): Uint8Array {
  const bytes = decodeWord(token.text, token.line);
  if (bytes.length > MAX_CHARACTER_STRING) {
    fail(
      token.line,
      `character-string is ${bytes.length} octets, the limit is ${MAX_CHARACTER_STRING} ` +
        `(split it into several quoted strings)`,
    );
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Domain names (RFC 1035 §3.1, §5.1).
// ---------------------------------------------------------------------------

type Labels = readonly Uint8Array[];

/** Octets escaped with a backslash in presentation form (RFC 1035 §5.1 special characters). */
const SPECIAL_NAME_CHARS: ReadonlySet<number> = new Set(
  [".", "\\", '"', "(", ")", ";", "@", "$"].map((c) => c.charCodeAt(0)),
);

function renderLabel(label: Uint8Array): string {
  let out = "";
  for (const b of label) {
    if (b >= 0x41 && b <= 0x5a) out += String.fromCharCode(b + 0x20);
    else if (SPECIAL_NAME_CHARS.has(b)) out += "\\" + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\" + String(b).padStart(3, "0");
  }
  return out;
}

/** Absolute name, lower-case, without trailing dot; the root is ".". */
function renderName(labels: Labels): string {
  return labels.length === 0 ? "." : labels.map(renderLabel).join(".");
}

function checkNameLength(labels: Labels, line: number, shown: string): void {
  // Wire length: one length octet per label plus the root's zero octet (RFC 1035 §3.1).
  let wire = 1;
  for (const label of labels) wire += label.length + 1;
  if (wire > MAX_NAME) {
    fail(line, `name "${shown}" is ${wire} octets long, the limit is ${MAX_NAME}`);
  }
}

/**
 * Parses a domain name in presentation form. `@` is the origin; a name not
 * ending in an unescaped dot is relative and gets the origin appended
 * (RFC 1035 §5.1).
 */
function parseName(raw: string, origin: Labels, line: number): Labels {
  if (raw === "@") return origin;
  if (raw === ".") return [];
  if (raw === "") fail(line, "empty domain name");
  const labels: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let runStart = 0;
  let i = 0;
  let absolute = false;
  function endLabel(end: number): void {
    if (end > runStart) parts.push(ENCODER.encode(raw.slice(runStart, end)));
    const label = concatBytes(parts);
    if (label.length === 0) fail(line, `empty label in name "${raw}"`);
    if (label.length > MAX_LABEL) {
      fail(
        line,
        `label "${renderLabel(label)}" is ${label.length} octets, the limit is ${MAX_LABEL}`,
      );
    }
    labels.push(label);
    parts = [];
  }
  while (i < raw.length) {
    const c = raw[i];
    if (c === "\\") {
      if (i > runStart) parts.push(ENCODER.encode(raw.slice(runStart, i)));
      const esc = readEscape(raw, i, line);
      parts.push(esc.bytes);
      i = runStart = esc.next;
    } else if (c === ".") {
      endLabel(i);
      i = runStart = i + 1;
      if (i === raw.length) absolute = true;
    } else {
      i++;
    }
  }
  if (!absolute) endLabel(i);
  const full = absolute ? labels : [...labels, ...origin];
  checkNameLength(full, line, raw);
  return full;
}

function nameToken(token: Token, origin: Labels, what: string): Labels {
  if (token.quoted) fail(token.line, `${what} must not be a quoted string`);
  return parseName(token.text, origin, token.line);
}

// ---------------------------------------------------------------------------
// Numbers, TTLs and addresses.
// ---------------------------------------------------------------------------

function parseUint(token: Token, max: number, what: string): number {
  if (token.quoted || !/^[0-9]+$/.test(token.text)) {
    fail(token.line, `${what} "${token.text}" is not a decimal number`);
  }
  const value = Number(token.text);
  if (value > max) fail(token.line, `${what} ${token.text} is larger than ${max}`);
  return value;
}

/**
 * Parses a TTL: plain seconds, or BIND-style unit groups such as `1h30m`,
 * `2d`, `1w` (units w/d/h/m/s, case-insensitive). RFC 2181 §8 limits the
 * result to 2^31-1.
 */
function parseTtl(token: Token, what = "TTL"): number {
  const text = token.text;
  const seconds = token.quoted ? null : readTtlSyntax(text);
  if (seconds === null) {
    fail(token.line, `${what} "${text}" is not a number of seconds or a duration like 1h30m`);
  }
  if (seconds > MAX_TTL) fail(token.line, `${what} "${text}" exceeds ${MAX_TTL} seconds`);
  return seconds;
}

// ---------------------------------------------------------------------------
// RDATA (RFC 1035 §3.3, §3.4; RFC 3596; RFC 2782; RFC 8659).
// ---------------------------------------------------------------------------

interface Rdata {
  value: string;
  txtStrings?: Uint8Array[];
  soaMinimum?: number;
}

function expectFields(type: string, tokens: Token[], count: number, line: number): void {
  if (tokens.length < count) {
    const where = tokens.length > 0 ? tokens[tokens.length - 1].line : line;
    fail(where, `${type} record needs ${count} RDATA field(s), got ${tokens.length}`);
  }
  if (tokens.length > count) {
    const extra = tokens[count];
    fail(extra.line, `unexpected extra field "${extra.text}" in ${type} record`);
  }
}

function parseRdata(type: RecordType, tokens: Token[], origin: Labels, line: number): Rdata {
  const code = typeCode(type)!;
  if (tokens.length > 0 && !tokens[0].quoted && tokens[0].text === "\\#") {
    return parseGenericRdata(type, code, tokens, line);
  }
  if (!SUPPORTED_TYPES.has(type)) {
    fail(tokens[0]?.line ?? line, `${type} RDATA must be in the RFC 3597 form \\# <length> <hex>`);
  }
  const fields = RDATA_FIELDS[code];
  if (fields) {
    // Names are made absolute here; the codec checks and canonicalizes every field.
    const text = tokens.map((t, i) => {
      if (fields[i]?.kind === "name") return renderName(nameToken(t, origin, fields[i].label));
      return t.quoted ? `"${t.text}"` : t.text;
    }).join(" ");
    const r = encodeFieldRdata(code, text);
    // The codec's errors name the field ("DS digest: expected hex").
    if (!r.ok) fail(tokens[tokens.length - 1]?.line ?? line, r.error);
    return { value: fieldRdataToValue(code, r.rdata)! };
  }
  switch (type) {
    case "A": {
      expectFields(type, tokens, 1, line);
      const t = tokens[0];
      const v4 = t.quoted ? null : parseIpv4(t.text);
      if (!v4) fail(t.line, `invalid IPv4 address "${t.text}"`);
      return { value: v4.join(".") };
    }
    case "AAAA": {
      expectFields(type, tokens, 1, line);
      const t = tokens[0];
      const v6 = t.quoted ? null : parseIpv6(t.text);
      if (!v6) fail(t.line, `invalid IPv6 address "${t.text}"`);
      return { value: formatIpv6(v6) };
    }
    case "NS":
    case "CNAME":
    case "PTR": {
      expectFields(type, tokens, 1, line);
      return { value: renderName(nameToken(tokens[0], origin, `${type} target`)) };
    }
    case "MX": {
      expectFields(type, tokens, 2, line);
      const pref = parseUint(tokens[0], 0xffff, "MX preference");
      return { value: `${pref} ${renderName(nameToken(tokens[1], origin, "MX exchange"))}` };
    }
    case "SRV": {
      expectFields(type, tokens, 4, line);
      const prio = parseUint(tokens[0], 0xffff, "SRV priority");
      const weight = parseUint(tokens[1], 0xffff, "SRV weight");
      const port = parseUint(tokens[2], 0xffff, "SRV port");
      const target = renderName(nameToken(tokens[3], origin, "SRV target"));
      return { value: `${prio} ${weight} ${port} ${target}` };
    }
    case "CAA": {
      // RFC 8659 §4.1.1: <flags> <tag> <value>; tag is 1+ ASCII letters/digits.
      expectFields(type, tokens, 3, line);
      const flags = parseUint(tokens[0], 0xff, "CAA flags");
      const tag = tokens[1];
      if (tag.quoted || !/^[A-Za-z0-9]{1,255}$/.test(tag.text)) {
        fail(tag.line, `CAA tag "${tag.text}" must be ASCII letters and digits`);
      }
      const bytes = decodeWord(tokens[2].text, tokens[2].line);
      if (bytes.length + tag.text.length + 2 > MAX_RDATA) {
        fail(tokens[2].line, "CAA value is too long");
      }
      return { value: `${flags} ${tag.text.toLowerCase()} ${DECODER.decode(bytes)}` };
    }
    case "SVCB":
    case "HTTPS": {
      // RFC 9460 §2.1: SvcPriority TargetName SvcParams; the target may be relative.
      if (tokens.length < 2) fail(line, `${type} record needs a priority and a target name`);
      const target = renderName(nameToken(tokens[1], origin, `${type} target`));
      const params = tokens.slice(2).map((t) => t.quoted ? `"${t.text}"` : t.text);
      const r = encodeSvcb([tokens[0].text, target, ...params].join(" "));
      if (!r.ok) fail(tokens[tokens.length - 1].line, r.error);
      return { value: svcbToValue(r.rdata)! };
    }
    case "LOC": {
      // RFC 1876 §3: numbers and hemisphere letters only, so the tokens are the value.
      const r = encodeLoc(tokens.map((t) => t.text).join(" "));
      if (!r.ok) fail(tokens[tokens.length - 1]?.line ?? line, r.error);
      return { value: locToValue(r.rdata)! };
    }
    case "TXT":
    case "SPF": {
      // RFC 1035 §3.3.14 (RFC 7208 §3.1 for SPF): one or more <character-string>s.
      if (tokens.length === 0) fail(line, `${type} record needs at least one character-string`);
      const strings = tokens.map(readCharacterString);
      let rdlength = 0;
      for (const s of strings) rdlength += s.length + 1;
      if (rdlength > MAX_RDATA) {
        fail(line, `${type} RDATA is ${rdlength} octets, the limit is ${MAX_RDATA}`);
      }
      return { value: DECODER.decode(concatBytes(strings)), txtStrings: strings };
    }
    case "SOA": {
      // RFC 1035 §3.3.13: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM.
      expectFields(type, tokens, 7, line);
      const mname = renderName(nameToken(tokens[0], origin, "SOA MNAME"));
      const rname = renderName(nameToken(tokens[1], origin, "SOA RNAME"));
      const serial = parseUint(tokens[2], 0xffffffff, "SOA serial");
      const refresh = parseTtl(tokens[3], "SOA refresh");
      const retry = parseTtl(tokens[4], "SOA retry");
      const expire = parseTtl(tokens[5], "SOA expire");
      const minimum = parseTtl(tokens[6], "SOA minimum");
      return {
        value: `${mname} ${rname} ${serial} ${refresh} ${retry} ${expire} ${minimum}`,
        soaMinimum: minimum,
      };
    }
    default:
      fail(line, `unsupported record type "${type}"`);
  }
}

/**
 * RFC 3597 §5 generic RDATA: `\\# <length> <hex>`. For a type we know, the
 * RDATA is stored in that type's own canonical form (so both spellings of one
 * RR are the same record); other types keep the generic form.
 */
function parseGenericRdata(type: string, code: number, tokens: Token[], line: number): Rdata {
  const r = encodeFieldRdata(code, tokens.map((t) => t.text).join(" "));
  if (!r.ok) fail(tokens[tokens.length - 1].line, `${type}: ${r.error}`);
  if (type === "SOA") fail(line, "SOA must be written in its own presentation form");
  const value = SUPPORTED_TYPES.has(type) ? rdataToValue(code, r.rdata) : genericValue(r.rdata);
  if (value === null) fail(line, `${type}: the \\# RDATA is not a valid ${type}`);
  return { value };
}

// ---------------------------------------------------------------------------
// Entries and control entries (RFC 1035 §5.1).
// ---------------------------------------------------------------------------

interface ParserState {
  origin: Labels;
  previousOwner: Labels | null;
  /** Current $TTL (RFC 2308 §4), if any. */
  defaultTtl: number | null;
  /** MINIMUM of the first SOA seen. */
  soaMinimum: number | null;
  records: MasterFileRecord[];
  /** Records that had neither an explicit TTL nor a $TTL in effect. */
  unresolvedTtl: MasterFileRecord[];
  include?: IncludeReader;
  /** Records `$GENERATE` made so far (shared with included files). */
  generated: { count: number };
  /** At most this many records in all (options.maxRecords). */
  maxRecords: number;
  /** The file being read (undefined: the main file) and the chain of includes above it. */
  file?: string;
  depth: number;
  /** TXT records get `txtLengths`, not `txtStrings` (options.txtLengthsOnly). */
  txtLengthsOnly: boolean;
}

function handleDirective(entry: LogicalLine, state: ParserState): void {
  const [directive, ...args] = entry.tokens;
  const name = directive.text.toUpperCase();
  if (name === "$INCLUDE") return handleInclude(directive, args, state);
  if (name === "$GENERATE") return handleGenerate(directive, args, state);
  if (name !== "$ORIGIN" && name !== "$TTL") {
    fail(directive.line, `unknown directive "${directive.text}"`);
  }
  if (args.length === 0) fail(directive.line, `${name} needs an argument`);
  if (args.length > 1) fail(args[1].line, `unexpected extra field "${args[1].text}" after ${name}`);
  if (name === "$ORIGIN") {
    // A relative $ORIGIN argument is relative to the current origin (as in BIND).
    state.origin = nameToken(args[0], state.origin, "$ORIGIN");
  } else {
    state.defaultTtl = parseTtl(args[0], "$TTL");
  }
}

/**
 * RFC 1035 §5.1 `$INCLUDE <file> [<origin>]`: the file's records join the
 * zone; the origin (and owner) of the including file are unchanged after it.
 */
function handleInclude(directive: Token, args: Token[], state: ParserState): void {
  if (!state.include) {
    fail(directive.line, "$INCLUDE is not allowed here (files are only read by the CLI)");
  }
  if (args.length === 0) fail(directive.line, "$INCLUDE needs a file name");
  if (args.length > 2) {
    fail(args[2].line, `unexpected extra field "${args[2].text}" after $INCLUDE`);
  }
  if (state.depth >= MAX_INCLUDE_DEPTH) {
    fail(directive.line, `$INCLUDE nested deeper than ${MAX_INCLUDE_DEPTH} files (a loop?)`);
  }
  const origin = args[1] ? nameToken(args[1], state.origin, "$INCLUDE origin") : state.origin;
  let read: { path: string; text: string };
  try {
    read = state.include(DECODER.decode(decodeWord(args[0].text, args[0].line)), state.file);
  } catch (e) {
    fail(args[0].line, `$INCLUDE ${args[0].text}: ${(e as Error)?.message ?? e}`);
  }
  const inner: ParserState = {
    ...state,
    origin,
    previousOwner: null,
    file: read.path,
    depth: state.depth + 1,
  };
  try {
    parseText(read.text, inner);
  } catch (e) {
    if (!(e instanceof MasterFileSyntaxError)) throw e;
    // The including line, and where in the included file.
    fail(directive.line, `in ${read.path} line ${e.line}: ${e.reason}`);
  }
  // $TTL and the SOA minimum carry on; the origin and owner are the including file's.
  state.defaultTtl = inner.defaultTtl;
  state.soaMinimum = inner.soaMinimum;
}

/**
 * BIND's `$GENERATE <start>-<stop>[/<step>] <lhs> [<ttl>] [<class>] <type> <rhs>`:
 * one record per number, `$` in lhs and rhs replaced by it,
 * `${offset[,width[,base]]}` with base d, o, x or X, and `\$` a literal `$`.
 */
function handleGenerate(directive: Token, args: Token[], state: ParserState): void {
  if (args.length < 4) {
    fail(
      directive.line,
      "$GENERATE needs <start>-<stop>[/<step>] <lhs> [ttl] [class] <type> <rhs>",
    );
  }
  const m = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(args[0].text);
  if (!m) fail(args[0].line, `$GENERATE range "${args[0].text}" is not <start>-<stop>[/<step>]`);
  const [start, stop, step] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  if (stop < start || step < 1 || stop > 0xffffffff) {
    fail(args[0].line, `$GENERATE range "${args[0].text}": start after stop, or step 0`);
  }
  const count = Math.floor((stop - start) / step) + 1;
  if (count > MAX_GENERATE_RECORDS) {
    fail(args[0].line, `$GENERATE range makes more than ${MAX_GENERATE_RECORDS} records`);
  }
  state.generated.count += count;
  if (state.records.length + count > state.maxRecords) {
    fail(args[0].line, `more than ${state.maxRecords} records`);
  }
  if (state.generated.count > MAX_GENERATED_PER_FILE) {
    fail(args[0].line, `$GENERATE lines make more than ${MAX_GENERATED_PER_FILE} records in all`);
  }
  const template = args.slice(1).map((t) => t.quoted ? `"${t.text}"` : t.text);
  for (let n = start; n <= stop; n += step) {
    const text = template.map((t) => substitute(t, n, args[0].line)).join(" ");
    const lexer: LexState = { text, pos: 0, line: directive.line };
    const entry = readLogicalLine(lexer);
    if (entry) handleRecord(entry, state);
  }
}

function substitute(template: string, n: number, line: number): string {
  return template.replace(/\\\$|\$\{([^}]*)\}|\$/g, (all, mods: string | undefined) => {
    if (all === "\\$") return "$";
    if (mods === undefined) return String(n);
    const mm = /^(-?\d+)(?:,(\d+)(?:,([doxX]))?)?$/.exec(mods);
    if (!mm) fail(line, `$GENERATE modifier "\${${mods}}" is not \${offset[,width[,base]]}`);
    const v = n + Number(mm[1]);
    if (v < 0) fail(line, `$GENERATE offset makes a negative number`);
    const base = mm[3] ?? "d";
    const digits = base === "o"
      ? v.toString(8)
      : base === "x"
      ? v.toString(16)
      : base === "X"
      ? v.toString(16).toUpperCase()
      : String(v);
    return digits.padStart(Number(mm[2] ?? 0), "0");
  });
}

function handleRecord(entry: LogicalLine, state: ParserState): void {
  const tokens = entry.tokens;
  let i = 0;
  let owner: Labels;
  if (entry.blankOwner) {
    if (state.previousOwner === null) {
      fail(entry.line, "line starts with blank space but there is no previous owner name");
    }
    owner = state.previousOwner;
  } else {
    owner = nameToken(tokens[0], state.origin, "owner name");
    state.previousOwner = owner;
    i = 1;
  }

  // RFC 1035 §5.1: [<TTL>] [<class>] or [<class>] [<TTL>] before <type>.
  let ttl: number | undefined;
  let sawClass = false;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.quoted) break;
    if (/^[0-9]/.test(t.text)) {
      if (ttl !== undefined) fail(t.line, `second TTL "${t.text}" in one record`);
      ttl = parseTtl(t);
      continue;
    }
    const upper = t.text.toUpperCase();
    if (CLASS_NAMES.has(upper) || /^CLASS[0-9]+$/.test(upper)) {
      if (sawClass) fail(t.line, `second class "${t.text}" in one record`);
      if (upper !== "IN") fail(t.line, `class ${upper} is not supported (only IN)`);
      sawClass = true;
      continue;
    }
    break;
  }
  if (i >= tokens.length) fail(tokens[tokens.length - 1].line, "missing record type");
  const typeToken = tokens[i];
  // `TYPEnnn` (RFC 3597 §5) names a known type by its mnemonic, so one type has one spelling.
  const code = typeToken.quoted ? undefined : typeCode(typeToken.text);
  const type = code === undefined ? "" : typeName(code);
  if (
    code === undefined || !isStorableType(code) ||
    (!SUPPORTED_TYPES.has(type) && !/^TYPE\d+$/.test(type))
  ) {
    fail(typeToken.line, `unknown or unsupported record type "${typeToken.text}"`);
  }
  const rdata = parseRdata(type as RecordType, tokens.slice(i + 1), state.origin, typeToken.line);

  const record: MasterFileRecord = {
    name: renderName(owner),
    type: type as RecordType,
    ttl: ttl ?? state.defaultTtl ?? 0,
    value: rdata.value,
    line: entry.line,
    ...(state.file === undefined ? {} : { file: state.file }),
  };
  if (rdata.txtStrings) {
    if (state.txtLengthsOnly) record.txtLengths = rdata.txtStrings.map((s) => s.length);
    else record.txtStrings = rdata.txtStrings;
  }
  if (rdata.soaMinimum !== undefined && state.soaMinimum === null) {
    state.soaMinimum = rdata.soaMinimum;
  }
  if (ttl === undefined && state.defaultTtl === null) state.unresolvedTtl.push(record);
  if (state.records.length >= state.maxRecords) {
    fail(entry.line, `more than ${state.maxRecords} records`);
  }
  state.records.push(record);
}

function parseText(text: string, state: ParserState): void {
  const lexer: LexState = { text: text.replace(/^\uFEFF/, ""), pos: 0, line: 1 };
  for (let entry = readLogicalLine(lexer); entry; entry = readLogicalLine(lexer)) {
    const first = entry.tokens[0];
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) {
      handleDirective(entry, state);
    } else {
      handleRecord(entry, state);
    }
  }
}

function parseOrigin(origin: unknown): Labels {
  if (typeof origin !== "string" || origin === "") {
    fail(0, 'options.origin must be a non-empty domain name (use "." for the root)');
  }
  return parseName(origin.endsWith(".") ? origin : origin + ".", [], 0);
}

/**
 * Parses an RFC 1035 §5 master file into resource records.
 *
 * Records without an explicit TTL use the `$TTL` in effect (RFC 2308 §4);
 * with no `$TTL` they use the MINIMUM field of the file's SOA (BIND's
 * behaviour per RFC 2308 §4), or `options.defaultTtl ?? 3600` when the file
 * has no SOA. `options.origin` is the initial origin (absolute, trailing dot
 * optional). `options.include` reads `$INCLUDE`d files (without it `$INCLUDE`
 * is refused); `options.maxRecords` bounds the records in all (`$GENERATE`
 * included), for callers that parse files from the network. Never throws: on the first error it returns
 * `{ ok: false, line, error }` with `error` like
 * `"Cannot parse line 12: invalid IPv4 address \"1.2.3\""` (line 0 means the
 * options are invalid).
 *
 * @example
 * ```ts
 * const result = parseMasterFile(
 *   "$TTL 1h\n@ IN SOA ns1 hostmaster 1 2h 1h 2w 5m\nwww A 192.0.2.1\n",
 *   { origin: "example.com" },
 * );
 * if (result.ok) {
 *   console.log(result.records[1]); // { name: "www.example.com", type: "A", ttl: 3600, value: "192.0.2.1", line: 3 }
 * }
 * ```
 */
export function parseMasterFile(
  text: string,
  options: {
    origin: string;
    defaultTtl?: number;
    include?: IncludeReader;
    maxRecords?: number;
    /** TXT records carry `txtLengths` instead of `txtStrings` (large imports: less memory) */
    txtLengthsOnly?: boolean;
  },
): MasterFileResult {
  try {
    const origin = parseOrigin(options?.origin);
    const fallback = options.defaultTtl ?? FALLBACK_TTL;
    if (!Number.isInteger(fallback) || fallback < 0 || fallback > MAX_TTL) {
      fail(0, `options.defaultTtl must be an integer from 0 to ${MAX_TTL}`);
    }
    const state: ParserState = {
      origin,
      previousOwner: null,
      defaultTtl: null,
      soaMinimum: null,
      records: [],
      unresolvedTtl: [],
      include: options.include,
      generated: { count: 0 },
      maxRecords: options.maxRecords ?? Infinity,
      depth: 0,
      txtLengthsOnly: options.txtLengthsOnly ?? false,
    };
    parseText(text, state);
    const implicitTtl = state.soaMinimum ?? fallback;
    for (const record of state.unresolvedTtl) record.ttl = implicitTtl;
    return { ok: true, records: state.records };
  } catch (e) {
    if (e instanceof MasterFileSyntaxError) {
      return { ok: false, line: e.line, error: e.message };
    }
    return { ok: false, line: 0, error: `Cannot parse line 0: internal error: ${String(e)}` };
  }
}
