/**
 * ClaimRecord: the first-contact pointer a sender publishes at
 * `claim-<slot>.mb-<hash12>.<provider zone>`; the one client record the node must fully verify
 * before accepting an anonymous UPDATE (brief §5.2, §3.6, §9 fact 9; reference
 * `dmp/core/claim.py`).
 *
 * Wire: `v=dmp1;t=claim;` + strict base64(body ‖ sig), ≤ 255 bytes. Body (big-endian): magic
 * `DMPCL01` ‖ msg_id(16) ‖ sender_spk(32) ‖ domain_len u8 (1..43) ‖ sender_mailbox_domain ‖
 * slot u8 (0..9) ‖ ts u64 ‖ exp u64.
 *
 * @module
 */

import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import { ByteReader, bytesEqual, concatBytes, u64be } from "./byte_reader.ts";
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from "./ed25519_keys.ts";
import { bytesToHex } from "./hex.ts";
import { sha256 } from "./sha256.ts";
import { codePointLength, decodeUtf8Strict, encodeUtf8, hasControlOrSpace } from "./utf8.ts";

/** Wire prefix of a claim TXT value. */
export const CLAIM_PREFIX = "v=dmp1;t=claim;";
/** Body magic (shared with the cluster manifest; only the prefix tells them apart). */
export const CLAIM_MAGIC = "DMPCL01";
/** Whole-wire cap: one DNS character-string. */
export const CLAIM_MAX_WIRE_LEN = 255;
/** Sender mailbox domain cap in characters (and bytes on the wire). */
export const CLAIM_MAX_MAILBOX_DOMAIN_LEN = 43;
/** Highest mailbox slot number. */
export const CLAIM_MAX_SLOT = 9;
/** Default allowed future skew of `ts` (past ts is fine: exp bounds lifetime). */
export const CLAIM_DEFAULT_TS_SKEW = 300;
/** Maximum `exp − now` (30 days). */
export const CLAIM_MAX_EXP_FUTURE = 30 * 86400;

const MSG_ID_LEN = 16;
const SPK_LEN = 32;
const SIG_LEN = 64;
const MIN_BODY_LEN = 7 + MSG_ID_LEN + SPK_LEN + 1 + 1 + 1 + 16;
const INT63 = 1n << 63n;

/** Inputs for building/signing a claim. */
export interface ClaimFields {
  /** 16-byte message id. */
  readonly msgId: Uint8Array;
  /** Sender Ed25519 key; when signing, must match the seed (derived if omitted). */
  readonly senderSpk?: Uint8Array;
  /** Zone holding the sender's mailbox (1..43 chars, no whitespace/control). */
  readonly senderMailboxDomain: string;
  /** Mailbox slot 0..9. */
  readonly slot: number;
  /** Signing time, unix seconds. */
  readonly ts: number;
  /** Expiry, unix seconds, > ts. */
  readonly exp: number;
}

/** A verified claim. */
export interface ClaimRecord {
  /** 16-byte message id. */
  readonly msgId: Uint8Array;
  /** Sender Ed25519 public key. */
  readonly senderSpk: Uint8Array;
  /** `senderSpk` as lower-case hex. */
  readonly senderSpkHex: string;
  /** Sender mailbox zone. */
  readonly senderMailboxDomain: string;
  /** Slot 0..9. */
  readonly slot: number;
  /** Signing time. */
  readonly ts: number;
  /** Expiry. */
  readonly exp: number;
  /** The wire text. */
  readonly wire: string;
}

/** Options for `parseClaimWire`; `now` is injected. */
export interface ClaimParseOptions {
  /** Current time, unix seconds. */
  readonly now: number;
  /** Allowed future skew of ts, default 300 s. */
  readonly tsSkewSeconds?: number;
  /** Extra node-side cap on `exp − now` (`DMP_CLAIM_MAX_TTL`, brief §3.6), if set. */
  readonly maxTtlSeconds?: number;
}

/** Result of `parseClaimWire`. */
export type ClaimParseResult =
  | { readonly ok: true; readonly record: ClaimRecord }
  | { readonly ok: false; readonly reason: string };

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function validateDomain(domain: string): string | null {
  if (typeof domain !== "string" || domain === "") return "mailbox domain empty";
  if (codePointLength(domain) > CLAIM_MAX_MAILBOX_DOMAIN_LEN) return "mailbox domain too long";
  if (hasControlOrSpace(domain)) return "mailbox domain has whitespace/control";
  return null;
}

/** Serialize the signable claim body; throws `RangeError` on fields the reference refuses. */
export function buildClaimBody(fields: ClaimFields & { senderSpk: Uint8Array }): Uint8Array {
  if (!(fields.msgId instanceof Uint8Array) || fields.msgId.length !== MSG_ID_LEN) {
    throw new RangeError("msg_id must be 16 bytes");
  }
  if (!(fields.senderSpk instanceof Uint8Array) || fields.senderSpk.length !== SPK_LEN) {
    throw new RangeError("sender_spk must be 32 bytes");
  }
  const domainErr = validateDomain(fields.senderMailboxDomain);
  if (domainErr) throw new RangeError(domainErr);
  const domainBytes = encodeUtf8(fields.senderMailboxDomain);
  // Characters ≤ 43 can still exceed 255 bytes only for exotic text; the u8 length and the
  // parser's byte cap need the byte length bounded too.
  if (domainBytes.length > CLAIM_MAX_MAILBOX_DOMAIN_LEN) {
    throw new RangeError("mailbox domain too long in bytes");
  }
  if (!Number.isInteger(fields.slot) || fields.slot < 0 || fields.slot > CLAIM_MAX_SLOT) {
    throw new RangeError("slot must be 0..9");
  }
  if (!Number.isSafeInteger(fields.ts) || fields.ts < 0) throw new RangeError("bad ts");
  if (!Number.isSafeInteger(fields.exp) || fields.exp < 0) throw new RangeError("bad exp");
  if (fields.exp <= fields.ts) throw new RangeError("exp must be greater than ts");
  return concatBytes(
    encodeUtf8(CLAIM_MAGIC),
    fields.msgId,
    fields.senderSpk,
    Uint8Array.of(domainBytes.length),
    domainBytes,
    Uint8Array.of(fields.slot),
    u64be(BigInt(fields.ts)),
    u64be(BigInt(fields.exp)),
  );
}

/**
 * Build and sign a claim with the sender's Ed25519 seed (for DMP users: the seed derived from
 * their X25519 key, brief §6). Throws on invalid fields, a seed/spk mismatch, or a wire over
 * 255 bytes.
 */
export async function signClaimWire(fields: ClaimFields, seed: Uint8Array): Promise<string> {
  const pub = await publicKeyFromSeed(seed);
  if (fields.senderSpk !== undefined && !bytesEqual(fields.senderSpk, pub)) {
    throw new RangeError("seed does not match declared sender_spk");
  }
  const body = buildClaimBody({ ...fields, senderSpk: pub });
  const sig = await signEd25519(body, seed);
  const wire = CLAIM_PREFIX + encodeBase64(concatBytes(body, sig));
  if (encodeUtf8(wire).length > CLAIM_MAX_WIRE_LEN) throw new RangeError("claim wire > 255 bytes");
  return wire;
}

/**
 * Parse and verify a claim wire (brief §5.2): prefix → ≤ 255 bytes → strict base64 → ≥ 65
 * bytes → exact body → low-order key refused + Ed25519 verify → `ts − now ≤ skew` (future
 * only) → `exp > now` → `exp − now ≤ 30 d` (and ≤ `maxTtlSeconds` if given). Never throws.
 */
export async function parseClaimWire(
  wire: string,
  options: ClaimParseOptions,
): Promise<ClaimParseResult> {
  try {
    if (typeof wire !== "string" || !wire.startsWith(CLAIM_PREFIX)) return fail("bad prefix");
    if (encodeUtf8(wire).length > CLAIM_MAX_WIRE_LEN) return fail("wire too long");
    const blob = decodeBase64Strict(wire.slice(CLAIM_PREFIX.length));
    if (blob === null) return fail("bad base64");
    if (blob.length < SIG_LEN + 1) return fail("blob too short");
    const body = blob.slice(0, blob.length - SIG_LEN);
    const signature = blob.slice(blob.length - SIG_LEN);

    if (body.length < MIN_BODY_LEN) return fail("body too short");
    const r = new ByteReader(body);
    const magic = r.take(7) as Uint8Array;
    if (String.fromCharCode(...magic) !== CLAIM_MAGIC) return fail("bad magic");
    const msgId = r.take(MSG_ID_LEN) as Uint8Array;
    const senderSpk = r.take(SPK_LEN) as Uint8Array;
    const domainLen = r.u8() as number;
    if (domainLen === 0 || domainLen > CLAIM_MAX_MAILBOX_DOMAIN_LEN) {
      return fail("domain_len out of range");
    }
    const domainBytes = r.take(domainLen);
    if (domainBytes === null) return fail("body truncated");
    const domain = decodeUtf8Strict(domainBytes);
    if (domain === null) return fail("domain not UTF-8");
    const slot = r.u8();
    if (slot === null) return fail("body truncated");
    if (slot > CLAIM_MAX_SLOT) return fail("slot out of range");
    const ts = r.u64();
    const exp = r.u64();
    if (ts === null || exp === null) return fail("body truncated");
    if (r.remaining() !== 0) return fail("trailing body bytes");
    if (exp <= ts) return fail("exp not after ts");
    // The reference re-runs its signer checks on the parsed body: int64 range and domain text.
    if (ts >= INT63 || exp >= INT63) return fail("ts/exp out of range");
    const domainErr = validateDomain(domain);
    if (domainErr) return fail(domainErr);

    if (!(await verifyEd25519(signature, body, senderSpk))) return fail("bad signature");

    const { now } = options;
    if (typeof now !== "number" || !Number.isFinite(now)) return fail("bad now");
    const nowBig = BigInt(Math.floor(now));
    const skew = BigInt(Math.floor(options.tsSkewSeconds ?? CLAIM_DEFAULT_TS_SKEW));
    if (ts - nowBig > skew) return fail("ts too far in future");
    if (exp <= nowBig) return fail("expired");
    if (exp - nowBig > BigInt(CLAIM_MAX_EXP_FUTURE)) return fail("exp too far in future");
    if (options.maxTtlSeconds !== undefined) {
      if (exp - nowBig > BigInt(Math.floor(options.maxTtlSeconds))) return fail("exp over max ttl");
    }
    return {
      ok: true,
      record: {
        msgId,
        senderSpk,
        senderSpkHex: bytesToHex(senderSpk),
        senderMailboxDomain: domain,
        slot,
        ts: Number(ts),
        exp: Number(exp),
        wire,
      },
    };
  } catch {
    return fail("internal error");
  }
}

/**
 * `hash12` of a recipient for claim/mailbox owner names: the first 12 lower-hex chars of
 * `sha256(recipient_id)` where `recipient_id = sha256(x25519_pub)` (brief §9 fact 6: double
 * SHA-256 of the X25519 public key).
 */
export async function recipientHash12FromX25519Pub(x25519Pub: Uint8Array): Promise<string> {
  return bytesToHex(await sha256(await sha256(x25519Pub))).slice(0, 12);
}

/**
 * Owner name of a claim: `claim-<slot>.mb-<hash12>.<zone>`. Throws on a malformed hash12 or
 * slot, or an empty zone.
 */
export function claimOwnerName(slot: number, recipientHash12: string, zone: string): string {
  if (!Number.isInteger(slot) || slot < 0 || slot > CLAIM_MAX_SLOT) {
    throw new RangeError("slot must be 0..9");
  }
  if (!/^[0-9a-f]{12}$/.test(recipientHash12)) throw new RangeError("hash12 must be 12 lower hex");
  if (typeof zone !== "string" || zone === "") throw new RangeError("zone must be non-empty");
  return `claim-${slot}.mb-${recipientHash12}.${zone}`;
}

/**
 * Match an UPDATE owner against `claim-<digits>.mb-<12 lower-case hex>.<zone>` (brief §3.6
 * rule 4: exactly two labels below the zone; digits not range-checked). The zone suffix is
 * compared case-insensitively and one trailing dot on either side is ignored; the two claim
 * labels must match literally. Returns `null` when the owner does not match. Never throws.
 */
export function parseClaimOwner(
  owner: string,
  zone: string,
): { slot: number; hash12: string } | null {
  if (typeof owner !== "string" || typeof zone !== "string") return null;
  const o = owner.endsWith(".") ? owner.slice(0, -1) : owner;
  const z = zone.endsWith(".") ? zone.slice(0, -1) : zone;
  if (z === "") return null;
  const m = /^claim-([0-9]+)\.mb-([0-9a-f]{12})\.(.+)$/s.exec(o);
  if (m === null || m[3].toLowerCase() !== z.toLowerCase()) return null;
  return { slot: Number(m[1]), hash12: m[2] };
}
