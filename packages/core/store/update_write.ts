/**
 * The write transaction of RFC 2136 UPDATE. Everything that depends on the
 * store's state is decided inside the one batch that applies the changes, so
 * racing writers on several nodes sharing a primary get serialized answers
 * (RFC 2136 §3.7: prerequisites and update are atomic):
 *
 * 1. the TSIG MAC of the request joins `tsig_used_macs` (a replay, at any
 *    node and after any restart, violates its primary key: issue 12 #10;
 *    the key is Time Signed + fudge and the MAC's first 48 bits, migration 13);
 * 2. prerequisites (§3.2) run as guard statements on `update_guard`, whose
 *    named CHECK constraints abort the batch and name the failed check;
 * 3. the changes, with the §3.4.2 ignore rules ({@linkcode ChangeBatch});
 * 4. quotas per key, per registered user and per key and name (issue 12 #9),
 *    counted over the live rows after the changes;
 * 5. the per-name value cap, the journal and the serial.
 *
 * A batch may hold several messages (group commit); each message's guards
 * see the writes of the messages before it, as if applied one by one.
 *
 * This module is browser compatible.
 * @module
 */

import {
  CapExceededError,
  ChangeBatch,
  isValueCapViolation,
  type RecordChange,
  type RecordWriter,
  type SoaChange,
} from "./records.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";
import { USED_MAC_HEX_DIGITS } from "./migrations/0013_used_macs_by_expiry.ts";

/** One RFC 2136 §3.2 prerequisite, already validated against the zone. */
export type Prerequisite =
  /** §3.2.1 "name is in use" (class ANY, type ANY); fails with NXDOMAIN */
  | { kind: "name_in_use"; name: string }
  /** §3.2.4 "name is not in use" (class NONE, type ANY); fails with YXDOMAIN */
  | { kind: "name_not_in_use"; name: string }
  /** §3.2.1 "RRset exists (value independent)"; fails with NXRRSET */
  | { kind: "rrset_exists"; name: string; type: string }
  /** §3.2.3 "RRset does not exist"; fails with YXRRSET */
  | { kind: "rrset_absent"; name: string; type: string }
  /** §3.2.2 "RRset exists (value dependent)": exactly these values; fails with NXRRSET */
  | { kind: "rrset_equals"; name: string; type: string; values: string[] };

/** Limits on what one writer may hold live; 0 = no limit. */
export interface UpdateQuotas {
  recordsPerKey: number;
  bytesPerKey: number;
  recordsPerUser: number;
  bytesPerUser: number;
  valuesPerKeyPerName: number;
}

/** A TSIG MAC to remember until `expiresAt` (Time Signed + fudge, unix seconds). */
export interface UsedMac {
  /** hex, whole (the store keeps its first {@linkcode USED_MAC_HEX_DIGITS} digits) */
  mac: string;
  expiresAt: number;
}

/** The row of `tsig_used_macs` that remembers `used`: its primary key. */
function usedMacArgs(used: UsedMac): [number, string] {
  return [used.expiresAt, used.mac.slice(0, USED_MAC_HEX_DIGITS).toLowerCase()];
}

/** One UPDATE message's write. */
export interface UpdateWrite {
  prerequisites: readonly Prerequisite[];
  changes: readonly RecordChange[];
  soa?: SoaChange;
  /** the signing key; its rows count against `quotas` when both are set */
  writer?: RecordWriter;
  quotas?: UpdateQuotas;
  usedMac?: UsedMac;
}

/** Names of the `update_guard` constraints (migration 3). */
export type GuardFailure =
  | "prereq_nxdomain"
  | "prereq_yxdomain"
  | "prereq_nxrrset"
  | "prereq_yxrrset"
  | "quota_records_per_key"
  | "quota_bytes_per_key"
  | "quota_records_per_user"
  | "quota_bytes_per_user"
  | "quota_values_per_key_per_name";

const GUARD_FAILURES: ReadonlySet<string> = new Set<GuardFailure>([
  "prereq_nxdomain",
  "prereq_yxdomain",
  "prereq_nxrrset",
  "prereq_yxrrset",
  "quota_records_per_key",
  "quota_bytes_per_key",
  "quota_records_per_user",
  "quota_bytes_per_user",
  "quota_values_per_key_per_name",
]);

/** Thrown when a guard of the write transaction failed; nothing was written. */
export class UpdateGuardError extends Error {
  /** which check failed */
  readonly failure: GuardFailure;
  /** index of the write (in the batch) whose guard failed, when the store said */
  writeIndex: number | undefined;
  /** @param failure the failed check */
  constructor(failure: GuardFailure) {
    super(`Cannot apply the UPDATE: ${failure.replaceAll("_", " ")}`);
    this.name = "UpdateGuardError";
    this.failure = failure;
  }
}

/** Thrown when the request's TSIG MAC was already used (a replay); nothing was written. */
export class ReplayedUpdateError extends Error {
  /** index of the replayed write (in the batch), when the store said */
  writeIndex: number | undefined;
  constructor() {
    super("Cannot apply the UPDATE: its TSIG MAC was already used");
    this.name = "ReplayedUpdateError";
  }
}

const LIVE = "(expires_at = 0 OR expires_at > ?)";
/** A limit of 0 means none; SQLite integers compare fine against this. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Applies UPDATE writes as one transaction and returns the journal position
 * it reached (the highest `journal.seq` once it committed; 0 when there was
 * nothing to write). Throws {@linkcode ReplayedUpdateError},
 * {@linkcode UpdateGuardError} or `CapExceededError` (values per name) when a
 * check fails: the batch is then rolled back whole.
 *
 * @example
 * ```ts ignore
 * await applyUpdateWrites(client, [{ prerequisites: [{ kind: "name_not_in_use", name: "a.example.com" }],
 *   changes: [{ op: "add", zone: "example.com", name: "a.example.com", type: "TXT", value: "x", ttl: 60 }] }],
 *   { now: 1_800_000_000, maxValuesPerName: 64 });
 * ```
 */
export async function applyUpdateWrites(
  client: SqlClient,
  writes: readonly UpdateWrite[],
  options: { now: number; maxValuesPerName?: number },
): Promise<number> {
  const now = Math.floor(options.now);
  const batch = new ChangeBatch(now);
  /** first statement of each write, to name the write a failed statement belongs to */
  const starts: number[] = [];
  for (const w of writes) {
    starts.push(batch.statements.length);
    if (w.usedMac) {
      // A plain INSERT: the primary key turns a second use into a constraint error.
      batch.statements.push({
        sql: "INSERT INTO tsig_used_macs (expires_at, mac) VALUES (?, ?)",
        args: usedMacArgs(w.usedMac),
      });
    }
    pushPrerequisites(batch.statements, w.prerequisites, now);
    batch.changes(w.changes, { writer: w.writer, rfc2136: true });
    if (w.soa) batch.soa(w.soa);
    if (w.writer && w.quotas && w.changes.some((c) => c.op === "add")) {
      pushQuotaGuards(batch.statements, w, w.writer, w.quotas, now);
    }
  }
  const ownEnd = batch.statements.length;
  const statements = batch.finish(options.maxValuesPerName);
  if (statements.length === 0) return 0;
  // Last, inside the same transaction: the journal position this batch reached, so the caller
  // can tell when a journal follower has brought the batch into its index.
  statements.push({ sql: "SELECT coalesce(max(seq), 0) AS seq FROM journal", args: [] });
  let results;
  try {
    results = await client.batch(statements, "write");
  } catch (e) {
    const classified = classifyWriteError(e);
    if (classified instanceof UpdateGuardError || classified instanceof ReplayedUpdateError) {
      // libSQL reports which statement failed; the group committer then drops just that write.
      const at = (e as { statementIndex?: unknown })?.statementIndex;
      if (typeof at === "number" && at >= 0 && at < ownEnd) {
        let k = starts.length - 1;
        while (k > 0 && starts[k] > at) k--;
        classified.writeIndex = k;
      }
    }
    throw classified;
  }
  return Number(results[results.length - 1].rows[0]?.seq ?? 0);
}

/** Maps a failed batch to the check that failed (or returns the error as it is). */
export function classifyWriteError(e: unknown): unknown {
  const message = String((e as Error)?.message ?? e);
  if (/UNIQUE constraint failed: tsig_used_macs/i.test(message)) return new ReplayedUpdateError();
  const named = /CHECK constraint failed: ([a-z_]+)/i.exec(message)?.[1];
  if (named && GUARD_FAILURES.has(named)) return new UpdateGuardError(named as GuardFailure);
  if (isValueCapViolation(e)) return new CapExceededError();
  return e;
}

/**
 * Remembers a MAC outside an update (the update itself failed a guard, so
 * its own insert was rolled back): a request refused now must not apply when
 * replayed later at another node once the state has changed.
 *
 * @example
 * ```ts ignore
 * await recordUsedTsigMac(client, { mac: "00ff", expiresAt: now + 300 });
 * ```
 */
export async function recordUsedTsigMac(client: SqlClient, used: UsedMac): Promise<void> {
  await client.execute({
    sql: "INSERT OR IGNORE INTO tsig_used_macs (expires_at, mac) VALUES (?, ?)",
    args: usedMacArgs(used),
  });
}

/**
 * Deletes remembered MACs whose Time Signed + fudge has passed (RFC 8945
 * §5.2.3 refuses those requests as BADTIME). Returns how many went.
 *
 * @example
 * ```ts ignore
 * const n = await pruneUsedTsigMacs(client, now);
 * ```
 */
export async function pruneUsedTsigMacs(client: SqlClient, now: number): Promise<number> {
  const r = await client.execute({
    // The clock of the node that wrote an entry may lag ours: keep one more fudge-sized margin.
    sql: "DELETE FROM tsig_used_macs WHERE expires_at < ?",
    args: [Math.floor(now) - 300],
  });
  return r.rowsAffected;
}

function guard(failure: GuardFailure, condition: string, args: SqlStatement["args"]): SqlStatement {
  return {
    sql: `INSERT INTO update_guard (failure) SELECT '${failure}' WHERE ${condition}`,
    args,
  };
}

/** RFC 2136 §3.2: in message order, value-dependent sets last (§3.2.5 builds them whole). */
function pushPrerequisites(
  stmts: SqlStatement[],
  prereqs: readonly Prerequisite[],
  now: number,
): void {
  const exists = `EXISTS (SELECT 1 FROM records WHERE name = ? AND ${LIVE})`;
  const rrset = `EXISTS (SELECT 1 FROM records WHERE name = ? AND type = ? AND ${LIVE})`;
  for (const p of prereqs) {
    if (p.kind === "name_in_use") {
      stmts.push(guard("prereq_nxdomain", `NOT ${exists}`, [p.name, now]));
    } else if (p.kind === "name_not_in_use") {
      stmts.push(guard("prereq_yxdomain", exists, [p.name, now]));
    } else if (p.kind === "rrset_exists") {
      stmts.push(guard("prereq_nxrrset", `NOT ${rrset}`, [p.name, p.type, now]));
    } else if (p.kind === "rrset_absent") {
      stmts.push(guard("prereq_yxrrset", rrset, [p.name, p.type, now]));
    }
  }
  for (const p of prereqs) {
    if (p.kind !== "rrset_equals") continue;
    // (name, type, value) is unique: the set matches when it has n rows and all n are listed.
    const marks = p.values.map(() => "?").join(", ");
    stmts.push(guard(
      "prereq_nxrrset",
      `(SELECT count(*) FROM records WHERE name = ? AND type = ? AND ${LIVE}) <> ?
        OR (SELECT count(*) FROM records WHERE name = ? AND type = ? AND ${LIVE}
          AND value IN (${marks})) <> ?`,
      [p.name, p.type, now, p.values.length, p.name, p.type, now, ...p.values, p.values.length],
    ));
  }
}

/** Issue 12 #9: counted after the changes, so the message that would cross a quota is refused. */
function pushQuotaGuards(
  stmts: SqlStatement[],
  w: UpdateWrite,
  writer: RecordWriter,
  q: UpdateQuotas,
  now: number,
): void {
  const limit = (n: number) => (n > 0 ? n : NO_LIMIT);
  const totals = (column: "writer_key" | "writer_subject", records: string, bytes: string) =>
    `INSERT INTO update_guard (failure)
       SELECT f FROM (SELECT CASE WHEN n > ? THEN '${records}' WHEN b > ? THEN '${bytes}' END AS f
         FROM (SELECT count(*) AS n, COALESCE(sum(value_bytes), 0) AS b
           FROM records WHERE ${column} = ? AND ${column} <> '' AND ${LIVE}))
       WHERE f IS NOT NULL`;
  if (q.recordsPerKey > 0 || q.bytesPerKey > 0) {
    stmts.push({
      sql: totals("writer_key", "quota_records_per_key", "quota_bytes_per_key"),
      args: [limit(q.recordsPerKey), limit(q.bytesPerKey), writer.key, now],
    });
  }
  if (writer.subject !== "" && (q.recordsPerUser > 0 || q.bytesPerUser > 0)) {
    stmts.push({
      sql: totals("writer_subject", "quota_records_per_user", "quota_bytes_per_user"),
      args: [limit(q.recordsPerUser), limit(q.bytesPerUser), writer.subject, now],
    });
  }
  if (q.valuesPerKeyPerName > 0) {
    const names = new Set(
      w.changes.filter((c) => c.op === "add" && c.type === "TXT").map((c) => c.name),
    );
    for (const name of names) {
      stmts.push(guard(
        "quota_values_per_key_per_name",
        `(SELECT count(*) FROM records WHERE name = ? AND type = 'TXT' AND writer_key = ?
          AND ${LIVE}) > ?`,
        [name, writer.key, now, q.valuesPerKeyPerName],
      ));
    }
  }
}
