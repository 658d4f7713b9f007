/**
 * Migration 3: registration claims (issue 12 findings 1–3). One row per
 * owner-exclusive name root a registration holds (`core/registration/
 * name_ownership.ts`); `holder` is `token:<token_hash>` or `tsig:<key name>`,
 * so a claim lives exactly as long as the token or key it belongs to (the
 * guard joins on liveness; revoking or expiring frees it without a sweep).
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 4. */
export const MIGRATION_0004: readonly string[] = [
  `CREATE TABLE registration_claims (
    claim TEXT NOT NULL,
    holder TEXT NOT NULL,
    PRIMARY KEY (claim, holder)
  )`,
  `CREATE INDEX registration_claims_holder ON registration_claims (holder)`,
];
