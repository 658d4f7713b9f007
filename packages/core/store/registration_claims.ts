/**
 * Registration claims in libSQL (migration 4): which live registration holds
 * an owner-exclusive name root (`core/registration/name_ownership.ts`).
 * Both registration routes put {@linkcode registrationGuardStatement} first
 * in their mint batch, so a subject is held by one Ed25519 key across the
 * token table and the TSIG keystore, and a name root by one key across all
 * subjects that derive it (issue 12 findings 1–3).
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";
import { SELF_SERVICE_ISSUER } from "./tokens.ts";

/** The holder id of a bearer token's claims. */
export function tokenHolder(tokenHash: string): string {
  return `token:${tokenHash}`;
}

/** The holder id of a TSIG key's claims (key name without trailing dot). */
export function tsigHolder(keyName: string): string {
  return `tsig:${keyName}`;
}

// Live self-service tokens / live TSIG keys, as the reference defines liveness
// (brief §2.2 step 8, §2.4); admin-issued tokens have no registered key and
// never lock anything. A function, not a constant: tokens.ts imports this
// module, so the issuer name is read at call time.
function liveToken(): string {
  return `t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
  AND t.issuer = '${SELF_SERVICE_ISSUER}' AND t.registered_spk IS NOT NULL AND t.registered_spk != ''`;
}
const LIVE_KEY =
  `k.revoked = 0 AND (k.expires_at = 0 OR k.expires_at > ?) AND k.registered_spk != ''`;

/**
 * The anti-takeover guard of a registration: inserts into `write_guard` the
 * number of live registrations, on either route, bound to another Ed25519
 * key that hold the same subject or any of `claims`, plus (TSIG route) a live
 * key of that name held by another subject. A positive count fails the CHECK
 * and aborts the whole batch (migration 1), so two racing registrations
 * serialize on the primary.
 *
 * @param options subject, registering spk (hex), its claims, `now` (unix s), and the TSIG key name when minting one
 * @returns the statement to put first in the mint batch
 *
 * @example
 * ```ts
 * import { registrationGuardStatement } from "./registration_claims.ts";
 * const s = registrationGuardStatement({ subject: "a@z.example", spkHex: "42".repeat(32),
 *   claims: ["dmp.a.z.example"], now: 0 });
 * if (!s.sql.startsWith("INSERT INTO write_guard")) throw new Error();
 * ```
 */
export function registrationGuardStatement(options: {
  subject: string;
  spkHex: string;
  claims: readonly string[];
  now: number;
  keyName?: string;
}): SqlStatement {
  const now = Math.floor(options.now);
  const { subject, spkHex, claims } = options;
  const inClaims = claims.length ? claims.map(() => "?").join(", ") : "NULL";
  const parts = [
    `SELECT t.token_hash FROM tokens t WHERE t.subject = ? AND ${liveToken()} AND t.registered_spk != ?`,
    `SELECT t.token_hash FROM registration_claims c JOIN tokens t ON c.holder = 'token:' || t.token_hash
      WHERE c.claim IN (${inClaims}) AND ${liveToken()} AND t.registered_spk != ?`,
    `SELECT k.name FROM tsig_keys k WHERE k.subject = ? AND ${LIVE_KEY} AND k.registered_spk != ?`,
    `SELECT k.name FROM registration_claims c JOIN tsig_keys k ON c.holder = 'tsig:' || k.name
      WHERE c.claim IN (${inClaims}) AND ${LIVE_KEY} AND k.registered_spk != ?`,
  ];
  const args: (string | number)[] = [
    subject,
    now,
    spkHex,
    ...claims,
    now,
    spkHex,
    subject,
    now,
    spkHex,
    ...claims,
    now,
    spkHex,
  ];
  if (options.keyName !== undefined) {
    parts.push(
      `SELECT k.name FROM tsig_keys k WHERE k.name = ? AND k.revoked = 0
        AND (k.expires_at = 0 OR k.expires_at > ?) AND k.subject != ?`,
    );
    args.push(options.keyName, now, subject);
  }
  return {
    sql: `INSERT INTO write_guard (excess) SELECT count(*) FROM (${parts.join(" UNION ALL ")})`,
    args,
  };
}

/**
 * Statements that make `holder` hold exactly `claims` (replacing what it held:
 * a re-minted TSIG key keeps its name).
 *
 * @param holder {@linkcode tokenHolder} or {@linkcode tsigHolder}
 * @param claims the claims from `subjectClaims`
 * @returns statements for the mint batch
 *
 * @example
 * ```ts
 * import { claimStatements, tokenHolder } from "./registration_claims.ts";
 * if (claimStatements(tokenHolder("ab"), ["dmp.a.z"]).length !== 2) throw new Error();
 * ```
 */
export function claimStatements(holder: string, claims: readonly string[]): SqlStatement[] {
  return [
    { sql: "DELETE FROM registration_claims WHERE holder = ?", args: [holder] },
    ...claims.map((claim) => ({
      sql: "INSERT OR IGNORE INTO registration_claims (claim, holder) VALUES (?, ?)",
      args: [claim, holder],
    })),
  ];
}

/**
 * True when `claim` is held by a live registration that is not the writer's:
 * bound to another Ed25519 key when the writer's token has one (the same key
 * may hold several subjects' registrations), else, for an operator-issued
 * token (no key, no claims), of another subject. The records route refuses
 * such a write even to a token whose subject derives the name.
 *
 * @param client the store
 * @param options the claim, the writing token's subject and registered spk ("" when none), `now` (unix s)
 * @returns whether someone else holds it
 *
 * @example
 * ```ts ignore
 * if (await claimHeldByOther(client, { claim: "dmp.x.y.zone", subject: "x@y.zone", spkHex: "", now })) deny();
 * ```
 */
export async function claimHeldByOther(
  client: SqlClient,
  options: { claim: string; subject: string; spkHex: string; now: number },
): Promise<boolean> {
  const now = Math.floor(options.now);
  const { claim, subject, spkHex } = options;
  const other = (alias: string) =>
    `(CASE WHEN ? != '' THEN ${alias}.registered_spk != ? ELSE ${alias}.subject != ? END)`;
  const r = await client.execute({
    sql: `SELECT 1 FROM registration_claims c JOIN tokens t ON c.holder = 'token:' || t.token_hash
            WHERE c.claim = ? AND ${liveToken()} AND ${other("t")}
          UNION ALL
          SELECT 1 FROM registration_claims c JOIN tsig_keys k ON c.holder = 'tsig:' || k.name
            WHERE c.claim = ? AND ${LIVE_KEY} AND ${other("k")}
          LIMIT 1`,
    args: [claim, now, spkHex, spkHex, subject, claim, now, spkHex, spkHex, subject],
  });
  return r.rows.length > 0;
}

const BACKFILL_PAGE = 500;
const backfilled = new WeakMap<SqlClient, Promise<number>>();

/**
 * Gives every live registration made before migration 4 its claims, once per
 * store handle (later calls return the first call's promise). Without it a
 * subject registered by an older version would hold no claims, and the same
 * local part on another domain could still register (issue 12 finding 1).
 * Registrations already in conflict keep both claims: the guard then refuses
 * either side a new key until the operator revokes one.
 *
 * @param client the store
 * @param options `now` (unix s) and the claim derivation (`subjectClaims` for the served zone)
 * @returns how many registrations got claims
 *
 * @example
 * ```ts ignore
 * await ensureClaimsBackfilled(client, { now, claimsOf: (s) => claimsForSubject(s, zone) });
 * ```
 */
export function ensureClaimsBackfilled(
  client: SqlClient,
  options: {
    now: number;
    claimsOf: (subject: string) => Promise<string[] | undefined>;
  },
): Promise<number> {
  let p = backfilled.get(client);
  if (!p) {
    p = backfill(client, options).catch((e) => {
      backfilled.delete(client); // retry on the next request
      throw e;
    });
    backfilled.set(client, p);
  }
  return p;
}

async function backfill(
  client: SqlClient,
  options: { now: number; claimsOf: (subject: string) => Promise<string[] | undefined> },
): Promise<number> {
  const now = Math.floor(options.now);
  let done = 0;
  let lastHolder = "";
  for (;;) {
    const r = await client.execute({
      sql: `SELECT u.holder, u.subject FROM (
              SELECT 'token:' || t.token_hash AS holder, t.subject FROM tokens t WHERE ${liveToken()}
              UNION ALL
              SELECT 'tsig:' || k.name AS holder, k.subject FROM tsig_keys k WHERE ${LIVE_KEY}
            ) u WHERE u.holder > ? AND NOT EXISTS (
              SELECT 1 FROM registration_claims c WHERE c.holder = u.holder)
            ORDER BY u.holder LIMIT ?`,
      args: [now, now, lastHolder, BACKFILL_PAGE],
    });
    const stmts: SqlStatement[] = [];
    for (const row of Array.from(r.rows)) {
      const holder = String(row.holder);
      lastHolder = holder;
      const claims = await options.claimsOf(String(row.subject));
      if (!claims) continue;
      stmts.push(...claimStatements(holder, claims));
      done++;
    }
    if (stmts.length) await client.batch(stmts, "write");
    if (r.rows.length < BACKFILL_PAGE) return done;
  }
}
