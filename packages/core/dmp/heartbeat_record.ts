/**
 * HeartbeatRecord: the signed node-liveness record published at `_dnsmesh-heartbeat.<zone>`
 * (brief §4.2, §9 fact 8; reference `dmp/core/heartbeat.py`).
 *
 * Wire: `v=dmp1;t=heartbeat;` + base64(body ‖ Ed25519 signature over body). Body (big-endian):
 * magic `DMPHB03` ‖ endpoint_len u16 ‖ endpoint ‖ operator_spk(32) ‖ version_len u8 ‖ version ‖
 * capabilities u16 ‖ zone_len u8 ‖ claim_provider_zone ‖ ts u64 ‖ exp u64. Legacy `DMPHB02`
 * has no zone fields and is still accepted on parse (never emitted).
 *
 * @module
 */

import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import { ByteReader, bytesEqual, concatBytes, u16be, u64be } from "./byte_reader.ts";
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from "./ed25519_keys.ts";
import { validateHeartbeatEndpoint } from "./heartbeat_endpoint.ts";
import { bytesToHex } from "./hex.ts";
import {
  codePointLength,
  decodeUtf8Strict,
  encodeUtf8,
  hasControlOrSpace,
  isAscii,
} from "./utf8.ts";

/** Wire prefix of every heartbeat TXT value. */
export const HEARTBEAT_PREFIX = "v=dmp1;t=heartbeat;";
/** Capability bit 0: the node hosts the claim namespace under its zone (brief §4.2). */
export const CAP_CLAIM_PROVIDER = 1;
/** Current body magic (emitted and parsed). */
export const HEARTBEAT_MAGIC = "DMPHB03";
/** Legacy body magic without the claim-provider-zone field (parsed only). */
export const HEARTBEAT_LEGACY_MAGIC = "DMPHB02";
/** Whole-wire cap in UTF-8 bytes (`MAX_WIRE_LEN`). */
export const HEARTBEAT_MAX_WIRE_LEN = 1200;
/** Version string cap in characters/bytes (ASCII). */
export const HEARTBEAT_MAX_VERSION_LEN = 32;
/** Claim-provider-zone cap in bytes. */
export const HEARTBEAT_MAX_ZONE_LEN = 64;
/** Default `|ts − now|` tolerance in seconds. */
export const HEARTBEAT_DEFAULT_TS_SKEW = 300;
/** Maximum `exp − now` (30 days): heartbeats are short-lived liveness pings. */
export const HEARTBEAT_MAX_EXP_FUTURE = 30 * 86400;

const SPK_LEN = 32;
const SIG_LEN = 64;
// magic + endpoint_len + spk + version_len + capabilities + ts + exp + sig (DMPHB02 minimum,
// so legacy wires pass the size gate; the body parser does the per-magic checks).
const MIN_BLOB_LEN = 7 + 2 + SPK_LEN + 1 + 2 + 16 + SIG_LEN;
const INT63 = 1n << 63n;

/** Which body layout a parsed heartbeat used. */
export type HeartbeatMagic = typeof HEARTBEAT_MAGIC | typeof HEARTBEAT_LEGACY_MAGIC;

/** Inputs for building/signing a heartbeat (always emitted as `DMPHB03`). */
export interface HeartbeatFields {
  /** `http(s)://host[:port]`, no path. */
  readonly endpoint: string;
  /** Operator Ed25519 public key; when signing, must match the seed (derived if omitted). */
  readonly operatorSpk?: Uint8Array;
  /** Software version, ASCII, ≤ 32 chars (may be empty). */
  readonly version: string;
  /** uint16 capability bitfield. */
  readonly capabilities: number;
  /** Served zone, ASCII without whitespace/control, ≤ 64 chars (may be empty). */
  readonly claimProviderZone: string;
  /** Signing time, unix seconds. */
  readonly ts: number;
  /** Expiry, unix seconds, > ts. */
  readonly exp: number;
}

/** A structurally valid (and, from `parseHeartbeatWire`, verified) heartbeat. */
export interface HeartbeatRecord {
  /** Body magic the wire used. */
  readonly magic: HeartbeatMagic;
  /** Node endpoint URL. */
  readonly endpoint: string;
  /** Operator Ed25519 public key (32 bytes). */
  readonly operatorSpk: Uint8Array;
  /** `operatorSpk` as lower-case hex. */
  readonly operatorSpkHex: string;
  /** Version string. */
  readonly version: string;
  /** Capability bits, unknown bits preserved. */
  readonly capabilities: number;
  /** Claim provider zone ("" for DMPHB02). */
  readonly claimProviderZone: string;
  /** Signing time (unix seconds; exact below 2^53). */
  readonly ts: number;
  /** Expiry (unix seconds; exact below 2^53). */
  readonly exp: number;
  /** The signed body bytes. */
  readonly body: Uint8Array;
  /** The 64-byte signature. */
  readonly signature: Uint8Array;
  /** The wire text ("" when parsed from a bare body). */
  readonly wire: string;
}

/** Options for `parseHeartbeatWire`. `now` is injected; modules never read the clock. */
export interface HeartbeatParseOptions {
  /** Current time, unix seconds. */
  readonly now: number;
  /** Allowed `|ts − now|`, default 300 s. */
  readonly tsSkewSeconds?: number;
  /** When false, skip the skew / expiry / 30-day checks (signature is still verified). */
  readonly checkFreshness?: boolean;
}

/** Result of parsing: a record or a short machine-readable reason. */
export type HeartbeatParseResult =
  | { readonly ok: true; readonly record: HeartbeatRecord }
  | { readonly ok: false; readonly reason: string };

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isU63(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Version rule shared by signer and parser: ≤ 32 characters, ASCII. */
function validateVersion(version: string): string | null {
  if (typeof version !== "string") return "version not a string";
  if (codePointLength(version) > HEARTBEAT_MAX_VERSION_LEN) return "version too long";
  if (!isAscii(version)) return "version not ASCII";
  return null;
}

/**
 * Serialize the signable `DMPHB03` body. Throws `RangeError` on any field the reference signer
 * refuses (bad endpoint/version/zone, spk not 32 bytes, ts/exp not safe non-negative integers,
 * `exp <= ts`, capabilities outside uint16).
 */
export function buildHeartbeatBody(
  fields: HeartbeatFields & { operatorSpk: Uint8Array },
): Uint8Array {
  const endpointErr = validateHeartbeatEndpoint(fields.endpoint);
  if (endpointErr) throw new RangeError(endpointErr);
  const versionErr = validateVersion(fields.version);
  if (versionErr) throw new RangeError(versionErr);
  if (!(fields.operatorSpk instanceof Uint8Array) || fields.operatorSpk.length !== SPK_LEN) {
    throw new RangeError("operator_spk must be 32 bytes");
  }
  if (!isU63(fields.ts)) throw new RangeError("ts must be a non-negative integer");
  if (!isU63(fields.exp)) throw new RangeError("exp must be a non-negative integer");
  if (fields.exp <= fields.ts) throw new RangeError("exp must be greater than ts");
  const caps = fields.capabilities;
  if (!Number.isInteger(caps) || caps < 0 || caps > 0xffff) {
    throw new RangeError("capabilities must be a uint16");
  }
  const zone = fields.claimProviderZone;
  if (typeof zone !== "string") throw new RangeError("claim_provider_zone must be a string");
  if (codePointLength(zone) > HEARTBEAT_MAX_ZONE_LEN) {
    throw new RangeError("claim_provider_zone too long");
  }
  if (zone && (!isAscii(zone) || hasControlOrSpace(zone))) {
    throw new RangeError("claim_provider_zone must be ASCII without whitespace/control");
  }
  const endpointBytes = encodeUtf8(fields.endpoint);
  const versionBytes = encodeUtf8(fields.version);
  const zoneBytes = encodeUtf8(zone);
  return concatBytes(
    encodeUtf8(HEARTBEAT_MAGIC),
    u16be(endpointBytes.length),
    endpointBytes,
    fields.operatorSpk,
    Uint8Array.of(versionBytes.length),
    versionBytes,
    u16be(caps),
    Uint8Array.of(zoneBytes.length),
    zoneBytes,
    u64be(BigInt(fields.ts)),
    u64be(BigInt(fields.exp)),
  );
}

/**
 * Build, sign with a raw RFC 8032 operator seed (NOT the X25519-derived user seed, brief §9
 * fact 1) and return the wire text. Throws if the fields are invalid, if `operatorSpk` is given
 * and does not match the seed, or if the wire would exceed 1200 bytes.
 */
export async function signHeartbeatWire(
  fields: HeartbeatFields,
  seed: Uint8Array,
): Promise<string> {
  const pub = await publicKeyFromSeed(seed);
  if (fields.operatorSpk !== undefined && !bytesEqual(fields.operatorSpk, pub)) {
    throw new RangeError("operator seed does not match declared operator_spk");
  }
  const body = buildHeartbeatBody({ ...fields, operatorSpk: pub });
  const sig = await signEd25519(body, seed);
  const wire = HEARTBEAT_PREFIX + encodeBase64(concatBytes(body, sig));
  if (encodeUtf8(wire).length > HEARTBEAT_MAX_WIRE_LEN) {
    throw new RangeError("heartbeat wire exceeds 1200 bytes");
  }
  return wire;
}

/** Parsed body fields plus the raw ts/exp as bigints (for exact freshness arithmetic). */
export interface HeartbeatBody {
  /** Body magic. */
  readonly magic: HeartbeatMagic;
  /** Endpoint URL. */
  readonly endpoint: string;
  /** Operator key. */
  readonly operatorSpk: Uint8Array;
  /** Version. */
  readonly version: string;
  /** Capabilities. */
  readonly capabilities: number;
  /** Claim provider zone. */
  readonly claimProviderZone: string;
  /** Exact ts. */
  readonly ts: bigint;
  /** Exact exp. */
  readonly exp: bigint;
}

/**
 * Structural parse of a heartbeat body (no signature, no clock): exact layout, no trailing
 * bytes, endpoint/version rules, ts/exp < 2^63, exp > ts. Never throws.
 */
export function parseHeartbeatBody(
  body: Uint8Array,
): { ok: true; body: HeartbeatBody } | { ok: false; reason: string } {
  const r = new ByteReader(body);
  const magicBytes = r.take(7);
  if (magicBytes === null) return fail("body truncated");
  const magic = String.fromCharCode(...magicBytes);
  if (magic !== HEARTBEAT_MAGIC && magic !== HEARTBEAT_LEGACY_MAGIC) return fail("bad magic");
  const endpointLen = r.u16();
  if (endpointLen === null) return fail("body truncated");
  if (endpointLen === 0 || endpointLen > 255) return fail("endpoint_len out of range");
  const endpointBytes = r.take(endpointLen);
  if (endpointBytes === null) return fail("body truncated");
  const endpoint = decodeUtf8Strict(endpointBytes);
  if (endpoint === null) return fail("endpoint not UTF-8");
  const operatorSpk = r.take(SPK_LEN);
  if (operatorSpk === null) return fail("body truncated");
  const versionLen = r.u8();
  if (versionLen === null) return fail("body truncated");
  if (versionLen > HEARTBEAT_MAX_VERSION_LEN) return fail("version_len out of range");
  const versionBytes = r.take(versionLen);
  if (versionBytes === null) return fail("body truncated");
  const version = decodeUtf8Strict(versionBytes);
  if (version === null) return fail("version not UTF-8");
  const capabilities = r.u16();
  if (capabilities === null) return fail("body truncated");
  let claimProviderZone = "";
  if (magic === HEARTBEAT_MAGIC) {
    const zoneLen = r.u8();
    if (zoneLen === null) return fail("body truncated");
    if (zoneLen > HEARTBEAT_MAX_ZONE_LEN) return fail("zone_len out of range");
    const zoneBytes = r.take(zoneLen);
    if (zoneBytes === null) return fail("body truncated");
    const zone = decodeUtf8Strict(zoneBytes);
    if (zone === null) return fail("zone not UTF-8");
    claimProviderZone = zone;
  }
  const ts = r.u64();
  const exp = r.u64();
  if (ts === null || exp === null) return fail("body truncated");
  if (r.remaining() !== 0) return fail("trailing body bytes");
  const endpointErr = validateHeartbeatEndpoint(endpoint);
  if (endpointErr) return fail(endpointErr);
  const versionErr = validateVersion(version);
  if (versionErr) return fail(versionErr);
  // The reference's u64 unpack cannot produce ≥ 2^63 here without the signer having refused
  // it; treat such bodies as malformed like its int64 range checks do.
  if (ts >= INT63 || exp >= INT63) return fail("ts/exp out of range");
  if (exp <= ts) return fail("exp not after ts");
  return {
    ok: true,
    body: { magic, endpoint, operatorSpk, version, capabilities, claimProviderZone, ts, exp },
  };
}

/**
 * Parse and verify a heartbeat wire, in the reference order (brief §4.2): prefix → ≤ 1200 UTF-8
 * bytes → strict base64 → ≥ 124 bytes → split signature → exact body parse → Ed25519 verify
 * (low-order keys refused) → `|ts − now| ≤ skew` → `exp > now` → `exp − now ≤ 30 d`.
 * Never throws; `checkFreshness: false` skips the three clock checks.
 */
export async function parseHeartbeatWire(
  wire: string,
  options: HeartbeatParseOptions,
): Promise<HeartbeatParseResult> {
  try {
    if (typeof wire !== "string" || !wire.startsWith(HEARTBEAT_PREFIX)) return fail("bad prefix");
    if (encodeUtf8(wire).length > HEARTBEAT_MAX_WIRE_LEN) return fail("wire too long");
    const blob = decodeBase64Strict(wire.slice(HEARTBEAT_PREFIX.length));
    if (blob === null) return fail("bad base64");
    if (blob.length < MIN_BLOB_LEN) return fail("blob too short");
    const bodyBytes = blob.slice(0, blob.length - SIG_LEN);
    const signature = blob.slice(blob.length - SIG_LEN);
    const parsed = parseHeartbeatBody(bodyBytes);
    if (!parsed.ok) return parsed;
    const b = parsed.body;
    if (!(await verifyEd25519(signature, bodyBytes, b.operatorSpk))) return fail("bad signature");
    if (options.checkFreshness !== false) {
      const { now } = options;
      if (typeof now !== "number" || !Number.isFinite(now)) return fail("bad now");
      const nowBig = BigInt(Math.floor(now));
      const skew = BigInt(Math.floor(options.tsSkewSeconds ?? HEARTBEAT_DEFAULT_TS_SKEW));
      const drift = b.ts > nowBig ? b.ts - nowBig : nowBig - b.ts;
      if (drift > skew) return fail("ts outside skew");
      if (b.exp <= nowBig) return fail("expired");
      if (b.exp - nowBig > BigInt(HEARTBEAT_MAX_EXP_FUTURE)) return fail("exp too far in future");
    }
    return {
      ok: true,
      record: {
        magic: b.magic,
        endpoint: b.endpoint,
        operatorSpk: b.operatorSpk,
        operatorSpkHex: bytesToHex(b.operatorSpk),
        version: b.version,
        capabilities: b.capabilities,
        claimProviderZone: b.claimProviderZone,
        ts: Number(b.ts),
        exp: Number(b.exp),
        body: bodyBytes,
        signature,
        wire,
      },
    };
  } catch {
    // Defensive: nothing above is expected to throw, but the contract is "never throws".
    return fail("internal error");
  }
}
