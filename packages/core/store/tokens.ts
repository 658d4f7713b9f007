/**
 * Multi-tenant bearer tokens (brief §1.5, §1.6 "Token store", §2.2).
 *
 * A token is `dmp_v1_` + unpadded upper-case base32 (RFC 4648) of 32 random
 * bytes (52 characters); only `sha256hex(token)` is stored. Self-service
 * tokens (issuer `self-service`) are bound to the Ed25519 key that
 * registered them; admin-issued tokens carry no key and never lock a subject.
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex } from "../dmp/hex.ts";
import { sha256 } from "../dmp/sha256.ts";
import { auditStatement } from "./audit.ts";
import { clearRateBucketStatement } from "./rate_buckets.ts";
import { claimStatements, registrationGuardStatement, tokenHolder } from "./registration_claims.ts";
import { safeIntegerColumn } from "./safe_integer_column.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** Issuer stamped on tokens minted by `/v1/registration/confirm`. */
export const SELF_SERVICE_ISSUER = "self-service";

const TOKEN_PREFIX = "dmp_v1_";
const TOKEN_RE = /^dmp_v1_[A-Z2-7]{52}$/;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const encoder = new TextEncoder();

/** A stored token (without the token itself, which is never stored). */
export interface TokenRecord {
  tokenHash: string;
  subject: string;
  subjectHash12: string;
  ratePerSec: number;
  rateBurst: number;
  issuedAt: number;
  /** null = never */
  expiresAt: number | null;
  revokedAt: number | null;
  issuer: string;
  note: string;
  registeredSpk: string | null;
}

/** What a new token carries. */
export type NewToken = Omit<TokenRecord, "tokenHash" | "issuedAt" | "revokedAt">;

function base32(bytes: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * A fresh token: `dmp_v1_` + base32(32 random bytes), 59 characters.
 *
 * @param random a source of random bytes
 * @returns the token text (show it once; store only its hash)
 *
 * @example
 * ```ts
 * import { generateUserToken, isUserTokenShape } from "./tokens.ts";
 * const t = generateUserToken((n) => crypto.getRandomValues(new Uint8Array(n)));
 * if (!isUserTokenShape(t) || t.length !== 59) throw new Error();
 * ```
 */
export function generateUserToken(random: (n: number) => Uint8Array): string {
  return TOKEN_PREFIX + base32(random(32));
}

/**
 * True when `s` has the shape of a user token (checked before any lookup, brief §1.5).
 *
 * @param s a presented bearer value
 * @returns whether it could be a user token
 *
 * @example
 * ```ts
 * import { isUserTokenShape } from "./tokens.ts";
 * if (isUserTokenShape("dmp_v1_short")) throw new Error();
 * ```
 */
export function isUserTokenShape(s: string): boolean {
  return TOKEN_RE.test(s);
}

/**
 * `sha256hex(token)`, the stored form.
 *
 * @param token the token text
 * @returns 64 lower-case hex characters
 *
 * @example
 * ```ts
 * import { hashToken } from "./tokens.ts";
 * if ((await hashToken("x")).length !== 64) throw new Error();
 * ```
 */
export async function hashToken(token: string): Promise<string> {
  return bytesToHex(await sha256(encoder.encode(token)));
}

// Integer columns are clamped (safe_integer_column.ts): one bad row must never fail every
// token check or the admin listing.
const TOKEN_COLUMNS = "token_hash, subject, subject_type, subject_hash12, rate_per_sec, " +
  "issuer, note, registered_spk, " +
  ["rate_burst", "issued_at", "expires_at", "revoked_at"].map((c) => safeIntegerColumn(c)).join(
    ", ",
  );

function rowToToken(r: Record<string, unknown>): TokenRecord {
  return {
    tokenHash: String(r.token_hash),
    subject: String(r.subject),
    subjectHash12: String(r.subject_hash12),
    ratePerSec: Number(r.rate_per_sec),
    rateBurst: Number(r.rate_burst),
    issuedAt: Number(r.issued_at),
    expiresAt: r.expires_at === null || r.expires_at === undefined ? null : Number(r.expires_at),
    revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : Number(r.revoked_at),
    issuer: String(r.issuer),
    note: String(r.note),
    registeredSpk: r.registered_spk === null || r.registered_spk === undefined
      ? null
      : String(r.registered_spk),
  };
}

/**
 * True when a token is live: not revoked, not expired.
 *
 * @param t the token row
 * @param now unix seconds
 * @returns liveness
 *
 * @example
 * ```ts
 * import { isTokenLive } from "./tokens.ts";
 * if (isTokenLive({ revokedAt: null, expiresAt: 5 }, 5)) throw new Error();
 * ```
 */
export function isTokenLive(
  t: Pick<TokenRecord, "revokedAt" | "expiresAt">,
  now: number,
): boolean {
  return t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now);
}

function insertStatement(hash: string, t: NewToken, now: number): SqlStatement {
  return {
    sql: `INSERT INTO tokens (token_hash, subject, subject_type, subject_hash12, rate_per_sec,
            rate_burst, issued_at, expires_at, revoked_at, issuer, note, registered_spk)
          VALUES (?, ?, 1, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
    args: [
      hash,
      t.subject,
      t.subjectHash12,
      t.ratePerSec,
      t.rateBurst,
      Math.floor(now),
      t.expiresAt,
      t.issuer,
      t.note,
      t.registeredSpk,
    ],
  };
}

/**
 * Stores a new token (operator issue), with extra statements (audit) in the same transaction.
 *
 * @param client the store
 * @param options the token text, its attributes, `now` and extra statements
 * @returns the token hash
 *
 * @example
 * ```ts ignore
 * await issueToken(client, { token, record: { subject: "alice@example.com", ... }, now });
 * ```
 */
export async function issueToken(
  client: SqlClient,
  options: { token: string; record: NewToken; now: number; extra?: SqlStatement[] },
): Promise<string> {
  const hash = await hashToken(options.token);
  await client.batch(
    [insertStatement(hash, options.record, options.now), ...(options.extra ?? [])],
    "write",
  );
  return hash;
}

/** The outcome of {@linkcode mintSelfServiceToken}. */
export type MintTokenResult = { kind: "ok"; tokenHash: string } | { kind: "takeover" };

/**
 * Anti-takeover mint (brief §2.2 step 8), atomic: if a live registration on
 * either route (token or TSIG key) is bound to another Ed25519 key and holds
 * the subject or one of its `claims` → `takeover`; otherwise revoke the
 * subject's prior self-service tokens, insert the new one and record its
 * claims. The guard is a row in `write_guard` whose CHECK aborts the
 * transaction, so concurrent rotations serialize and leave exactly one live
 * token (`registration_claims.ts`).
 *
 * @param client the store
 * @param options the new token, its name claims, `now` (unix s) and the audit statement
 * @returns the token hash, or `takeover`
 *
 * @example
 * ```ts ignore
 * const r = await mintSelfServiceToken(client, { token, record, claims, now });
 * ```
 */
export async function mintSelfServiceToken(
  client: SqlClient,
  options: {
    token: string;
    record: NewToken & { registeredSpk: string };
    claims: readonly string[];
    now: number;
    extra?: SqlStatement[];
  },
): Promise<MintTokenResult> {
  const { record } = options;
  const now = Math.floor(options.now);
  const hash = await hashToken(options.token);
  try {
    await client.batch([
      registrationGuardStatement({
        subject: record.subject,
        spkHex: record.registeredSpk,
        claims: options.claims,
        now,
      }),
      {
        sql:
          `UPDATE tokens SET revoked_at = ? WHERE subject = ? AND issuer = ? AND revoked_at IS NULL`,
        args: [now, record.subject, SELF_SERVICE_ISSUER],
      },
      insertStatement(hash, { ...record, issuer: SELF_SERVICE_ISSUER }, now),
      ...claimStatements(tokenHolder(hash), options.claims),
      { sql: "DELETE FROM write_guard" },
      ...(options.extra ?? []),
    ], "write");
  } catch (e) {
    if (/CHECK constraint failed/i.test(String((e as Error)?.message ?? e))) {
      return { kind: "takeover" };
    }
    throw e;
  }
  return { kind: "ok", tokenHash: hash };
}

/**
 * The token row for a presented token, or undefined.
 *
 * @param client the store
 * @param tokenHash `sha256hex(token)`
 * @returns the row, live or not
 *
 * @example
 * ```ts ignore
 * const t = await readToken(client, await hashToken(bearer));
 * ```
 */
export async function readToken(
  client: SqlClient,
  tokenHash: string,
): Promise<TokenRecord | undefined> {
  const r = await client.execute({
    sql: `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?`,
    args: [tokenHash],
  });
  return r.rows.length ? rowToToken(r.rows[0]) : undefined;
}

/**
 * Every token, newest first.
 *
 * @param client the store
 * @returns token rows (hashes only)
 *
 * @example
 * ```ts ignore
 * const tokens = await listTokens(client);
 * ```
 */
export async function listTokens(client: SqlClient): Promise<TokenRecord[]> {
  const r = await client.execute(
    `SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY issued_at DESC, token_hash`,
  );
  const out: TokenRecord[] = [];
  for (let i = 0; i < r.rows.length; i++) out.push(rowToToken(r.rows[i]));
  return out;
}

/**
 * Revokes a token and forgets its rate bucket; false when no live token had that hash.
 *
 * @param client the store
 * @param options the hash, `now` and the actor/address for the audit row
 * @returns whether a live token was revoked
 *
 * @example
 * ```ts ignore
 * await revokeToken(client, { tokenHash, now, actor: "operator", remoteAddr: "127.0.0.1" });
 * ```
 */
export async function revokeToken(
  client: SqlClient,
  options: { tokenHash: string; now: number; actor: string; remoteAddr: string },
): Promise<boolean> {
  const now = Math.floor(options.now);
  const res = await client.batch([
    {
      sql: "UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
      args: [now, options.tokenHash],
    },
    clearRateBucketStatement(`tok:${options.tokenHash}`),
    auditStatement({
      ts: now,
      actor: options.actor,
      event: "revoked",
      subject: "",
      remoteAddr: options.remoteAddr,
      detail: `token_hash=${options.tokenHash.slice(0, 16)}`,
    }),
  ], "write");
  return res[0].rowsAffected > 0;
}
