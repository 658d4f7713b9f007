/**
 * Records and zones in libSQL: reads for the zone index, and the one write
 * path every change goes through ({@linkcode applyRecordChanges}), which runs
 * as a single batch (one transaction): the rows, the change journal and the
 * zone serial move together or not at all.
 *
 * Owner names are stored canonical (lower-case, no trailing dot); the
 * reference stores them as written, which makes mixed-case writes invisible
 * (brief §1.3 "Related quirks").
 *
 * This module is browser compatible.
 * @module
 */

import { MAX_TTL } from "../values/ttl.ts";
import { safeIntegerColumn } from "./safe_integer_column.ts";
import { nextSerialSql, serialGreaterSql, type SerialPolicy } from "../zone/serial.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** One stored record. `expiresAt` 0 = never (zone data); DMP writes carry a lifetime. */
export interface StoredRecord {
  id: number;
  zone: string;
  name: string;
  type: string;
  value: string;
  ttl: number;
  createdAt: number;
  expiresAt: number;
  /** TXT only: character-string lengths when not the canonical split (wire/txt_split.ts) */
  txtSplit?: string;
}

/** A zone's SOA settings and serial. Apex A/AAAA/NS are records at the zone name. */
export interface StoredZone {
  name: string;
  soaMname: string;
  soaRname: string;
  soaRefresh: number;
  soaRetry: number;
  soaExpire: number;
  soaMinimum: number;
  serial: number;
  /** How the serial moves on a change (zone/serial.ts). */
  serialPolicy?: SerialPolicy;
}

/** One change of a write. `type` is a mnemonic; "ANY" in delete_rrset removes every type. */
export type RecordChange =
  | {
    op: "add";
    zone: string;
    name: string;
    type: string;
    value: string;
    ttl: number;
    /** Seconds from now until the value expires; 0 or absent = never. */
    lifetime?: number;
    /** TXT only: character-string lengths when not the canonical split (wire/txt_split.ts) */
    txtSplit?: string;
  }
  | { op: "delete_value"; zone: string; name: string; type: string; value: string }
  | { op: "delete_rrset"; zone: string; name: string; type: string };

/** Thrown when a write would leave more live values at a name than the cap allows. */
export class CapExceededError extends Error {
  constructor() {
    super("Cannot write: the RRset would exceed the per-name value cap");
    this.name = "CapExceededError";
  }
}

/** A journal entry: `name` changed in `zone`; `name` "" means the zone itself changed. */
export interface JournalEntry {
  seq: number;
  zone: string;
  name: string;
}

const LIVE = "(expires_at = 0 OR expires_at > ?)";

/** The columns every add writes, in the order of its twelve arguments. */
const ADD_COLUMNS = `INSERT INTO records (zone, name, type, value, ttl, created_at, expires_at,
  stored_ts, writer_key, writer_subject, value_bytes, txt_split)`;
/**
 * An add of a value the name already holds refreshes that row (the key stays unique; its
 * third column is the value's hash, migration 14).
 */
const ADD_CONFLICT = `ON CONFLICT (name, type, sha3(value)) DO UPDATE SET zone = excluded.zone,
  ttl = excluded.ttl, created_at = excluded.created_at,
  expires_at = excluded.expires_at, stored_ts = excluded.stored_ts,
  writer_key = excluded.writer_key, writer_subject = excluded.writer_subject,
  value_bytes = excluded.value_bytes, txt_split = excluded.txt_split`;
// The statements of one RFC 2136 add, built once: every UPDATE of a burst used to build these
// strings anew on the DNS thread. Args: the twelve columns, then the name and `now` of `where`.
const rfc2136Add = (where: string) =>
  `${ADD_COLUMNS} SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${where} ${ADD_CONFLICT}`;
/** A CNAME goes in only where no other live data is (RFC 2136 §3.4.2.2). */
const NO_OTHER_DATA =
  `NOT EXISTS (SELECT 1 FROM records WHERE name = ? AND type <> 'CNAME' AND ${LIVE})`;
const RFC2136_ADD_CNAME = rfc2136Add(NO_OTHER_DATA);
/** Other data goes in only where no live CNAME is (RFC 2136 §3.4.2.2). */
const RFC2136_ADD_BESIDE_NO_CNAME = rfc2136Add(
  `NOT EXISTS (SELECT 1 FROM records WHERE name = ? AND type = 'CNAME' AND ${LIVE})`,
);
/** The CNAME a new one replaces (args: name, new value, then the name and `now` of the guard). */
const RFC2136_DELETE_OTHER_CNAME =
  `DELETE FROM records WHERE name = ? AND type = 'CNAME' AND value <> ? AND ${NO_OTHER_DATA}`;

/** Names per value-cap guard statement (well under SQLite's 32766 bound parameters). */
const CAP_GUARD_NAMES_PER_STATEMENT = 500;
/** Rows per multi-row INSERT (12 arguments each, far below SQLite's bound-parameter limit). */
const ADD_ROWS_PER_STATEMENT = 200;
/** Value sizes for the quotas (UTF-8 bytes, as DMP_MAX_VALUE_BYTES counts them). */
const utf8 = new TextEncoder();

/**
 * Applies changes atomically. With `maxValuesPerName`, the batch also checks
 * that no touched TXT name ends with more live values than the cap (guarded
 * inside the transaction, so racing writers cannot exceed it).
 *
 * @example
 * ```ts ignore
 * await applyRecordChanges(client, [{ op: "add", zone: "example.com", name: "a.example.com",
 *   type: "TXT", value: "hello", ttl: 60, lifetime: 300 }], { now: 1_800_000_000 });
 * ```
 */
export async function applyRecordChanges(
  client: SqlClient,
  changes: readonly RecordChange[],
  options: { now: number; maxValuesPerName?: number },
): Promise<void> {
  if (changes.length === 0) return;
  const batch = new ChangeBatch(options.now);
  batch.changes(changes);
  try {
    await client.batch(batch.finish(options.maxValuesPerName), "write");
  } catch (e) {
    if (isValueCapViolation(e)) throw new CapExceededError();
    throw e;
  }
}

/** A transaction held open across several batches (libSQL's interactive `transaction`). */
export interface SqlTransaction {
  batch(stmts: SqlStatement[]): Promise<unknown>;
  commit(): Promise<void>;
  close(): void;
}

/** A client that can open a {@linkcode SqlTransaction} (libSQL file and remote clients can). */
export interface SteppedSqlClient extends SqlClient {
  transaction(mode: "write"): Promise<SqlTransaction>;
}

/** True when a write failed on the per-name value cap guard (`write_guard`). */
export function isValueCapViolation(e: unknown): boolean {
  return /CHECK constraint failed/i.test(String((e as Error)?.message ?? e));
}

/** Who wrote a change (RFC 2136 UPDATE): the TSIG key and its registered user, for quotas. */
export interface RecordWriter {
  key: string;
  subject: string;
}

/** An RFC 1035 §3.3.13 SOA replacing the zone's, applied only when its serial is larger. */
export interface SoaChange {
  zone: string;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/**
 * Builds one write transaction out of change sets (and whatever guard
 * statements the caller interleaves): the rows, the value-cap guards, the
 * journal and the zone serials. Every statement runs in one libSQL batch, so
 * guards see exactly the state the changes are applied to.
 *
 * @example
 * ```ts ignore
 * const b = new ChangeBatch(now);
 * b.changes([{ op: "delete_rrset", zone: "example.com", name: "a.example.com", type: "TXT" }]);
 * await client.batch(b.finish(64), "write");
 * ```
 */
export class ChangeBatch {
  /** Statements so far, in execution order. */
  readonly statements: SqlStatement[] = [];
  readonly #now: number;
  readonly #touched = new Map<string, string>();
  readonly #capped = new Set<string>();
  readonly #soa: SoaChange[] = [];
  readonly #pinned = new Set<string>();
  /** Plain adds not yet written into a statement (see {@linkcode ChangeBatch.changes}). */
  #rows: unknown[][] = [];

  #flushRows(): void {
    if (this.#rows.length === 0) return;
    const one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.statements.push({
      sql: `${ADD_COLUMNS} VALUES ${this.#rows.map(() => one).join(", ")} ${ADD_CONFLICT}`,
      args: this.#rows.flat() as SqlStatement["args"],
    });
    this.#rows = [];
  }

  /** @param now unix seconds for created_at/expires_at and the journal */
  constructor(now: number) {
    this.#now = Math.floor(now);
  }

  /**
   * Appends the statements of `changes`. With `rfc2136`, the UPDATE rules of
   * RFC 2136 §3.4.2.2–§3.4.2.4 hold inside the transaction: a CNAME added
   * where other data exists and other data added at a CNAME are ignored (a
   * CNAME replaces a CNAME); the apex NS RRset is never deleted, nor its last
   * NS record, and a name-wide delete at the apex keeps SOA and NS.
   */
  changes(
    changes: readonly RecordChange[],
    options: { writer?: RecordWriter; rfc2136?: boolean } = {},
  ): void {
    const now = this.#now;
    const writerKey = options.writer?.key ?? "";
    const writerSubject = options.writer?.subject ?? "";
    const rfc = options.rfc2136 === true;
    for (const c of changes) {
      if (rfc || c.op !== "add") this.#flushRows(); // statements run in the changes' order
      this.#touched.set(`${c.zone}\n${c.name}`, c.zone);
      const apex = c.name === c.zone;
      if (c.op === "add") {
        // §3.4.2.2: the apex always holds the SOA, so a CNAME there is "beside other data".
        if (rfc && apex && c.type === "CNAME") continue;
        const expires = c.lifetime && c.lifetime > 0 ? now + c.lifetime : 0;
        const args = [
          c.zone,
          c.name,
          c.type,
          c.value,
          c.ttl,
          now,
          expires,
          now * 1000,
          writerKey,
          writerSubject,
          writerKey === "" ? 0 : utf8.encode(c.value).length,
          c.txtSplit ?? "",
        ];
        if (!rfc) {
          // Plain adds (imports, the CLI, the operator API) go in multi-row statements: a
          // 100,000-record import is 500 statements instead of 100,000.
          this.#rows.push(args);
          if (this.#rows.length >= ADD_ROWS_PER_STATEMENT) this.#flushRows();
          if (c.type === "TXT") this.#capped.add(c.name);
          continue;
        }
        if (c.type === "CNAME") {
          // §3.4.2.2: a CNAME replaces the CNAME at its name, and is ignored beside other data.
          this.statements.push({
            sql: RFC2136_DELETE_OTHER_CNAME,
            args: [c.name, c.value, c.name, now],
          });
        }
        args.push(c.name, now);
        this.statements.push({
          sql: c.type === "CNAME" ? RFC2136_ADD_CNAME : RFC2136_ADD_BESIDE_NO_CNAME,
          args,
        });
        if (c.type === "TXT") this.#capped.add(c.name);
      } else if (c.op === "delete_value") {
        if (rfc && apex && c.type === "NS") {
          // §3.4.2.4: deleting the last apex NS is ignored.
          this.statements.push({
            sql: `DELETE FROM records WHERE name = ? AND type = 'NS' AND value = ?
                  AND (SELECT count(*) FROM records WHERE name = ? AND type = 'NS' AND ${LIVE}) > 1`,
            args: [c.name, c.value, c.name, now],
          });
        } else {
          this.statements.push({
            sql: "DELETE FROM records WHERE name = ? AND type = ? AND value = ?",
            args: [c.name, c.type, c.value],
          });
        }
      } else if (c.type === "ANY") {
        // §3.4.2.3: at the apex, every RRset but SOA and NS.
        this.statements.push(
          rfc && apex
            ? { sql: "DELETE FROM records WHERE name = ? AND type <> 'NS'", args: [c.name] }
            : { sql: "DELETE FROM records WHERE name = ?", args: [c.name] },
        );
      } else if (!(rfc && apex && c.type === "NS")) {
        // §3.4.2.3: deleting the apex NS RRset is ignored.
        this.statements.push({
          sql: "DELETE FROM records WHERE name = ? AND type = ?",
          args: [c.name, c.type],
        });
      }
    }
    this.#flushRows(); // a caller may interleave its own statements after this call
  }

  /**
   * Replaces a zone's SOA when `soa.serial` is larger in RFC 1982 serial
   * arithmetic than the serial after this batch's own changes (RFC 2136
   * §3.4.2.2: otherwise the SOA is ignored). Runs after the serial bump of
   * {@linkcode finish}, so the explicit serial wins only when it moves forward.
   */
  soa(soa: SoaChange): void {
    this.#soa.push(soa);
  }

  /**
   * Leaves `zone`'s serial alone in {@linkcode finish}: the caller's own
   * statements in this transaction already moved it once (a zone import
   * taking the file's serial).
   */
  serialMovedBy(zone: string): void {
    this.#pinned.add(zone);
  }

  /** Adds the value-cap guards, journal entries and serial moves; returns the statements. */
  finish(maxValuesPerName?: number): SqlStatement[] {
    this.#flushRows();
    if (maxValuesPerName !== undefined && this.#capped.size > 0) {
      // One guard per chunk of names, not per name: a group commit of 100 UPDATEs was 100 more
      // statements to prepare. The guards run after every write's own statements, so a failure
      // names no single write either way (the group committer then retries them one by one).
      const names = [...this.#capped];
      for (let i = 0; i < names.length; i += CAP_GUARD_NAMES_PER_STATEMENT) {
        const chunk = names.slice(i, i + CAP_GUARD_NAMES_PER_STATEMENT);
        this.statements.push({
          sql: `INSERT INTO write_guard (excess) SELECT count(*) - ? FROM records
                WHERE name IN (${chunk.map(() => "?").join(", ")}) AND type = 'TXT' AND ${LIVE}
                GROUP BY name`,
          args: [maxValuesPerName, ...chunk, this.#now],
        });
      }
      this.statements.push({ sql: "DELETE FROM write_guard" });
    }
    pushJournal(this.statements, this.#touched, this.#now, this.#pinned);
    for (const s of this.#soa) {
      this.statements.push({
        sql: `UPDATE zones SET soa_mname = ?, soa_rname = ?, serial = ?, soa_refresh = ?,
                soa_retry = ?, soa_expire = ?, soa_minimum = ?
              WHERE name = ? AND ${serialGreaterSql("?", "serial")}`,
        args: [
          s.mname,
          s.rname,
          s.serial,
          s.refresh,
          s.retry,
          s.expire,
          s.minimum,
          s.zone,
          s.serial,
        ],
      });
      // The zone meta changed only if the SOA was taken: journal it for every node's index.
      this.statements.push({
        sql: "INSERT INTO journal (ts, zone, name) SELECT ?, ?, '' WHERE changes() > 0",
        args: [this.#now, s.zone],
      });
    }
    return this.statements;
  }
}

function pushJournal(
  stmts: SqlStatement[],
  touched: Map<string, string>,
  now: number,
  pinned?: ReadonlySet<string>,
): void {
  const zones = new Set<string>();
  let rows: (string | number)[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    stmts.push({
      sql: `INSERT INTO journal (ts, zone, name) VALUES ${
        Array.from({ length: rows.length / 3 }, () => "(?, ?, ?)").join(", ")
      }`,
      args: rows,
    });
    rows = [];
  };
  for (const [key, zone] of touched) {
    rows.push(now, zone, key.slice(zone.length + 1));
    if (rows.length >= 3 * 500) flush();
    zones.add(zone);
  }
  flush();
  for (const zone of zones) {
    if (pinned?.has(zone)) continue;
    // One move per write, by the zone's policy, never backwards (zone/serial.ts).
    stmts.push({
      sql: `UPDATE zones SET serial = ${nextSerialSql(now)} WHERE name = ?`,
      args: [zone],
    });
  }
}

/**
 * A value holding a NUL (a TXT octet 0, valid UTF-8 and stored whole) also as a JSON string, NULL
 * for any other: libSQL's bindings return text up to its first NUL, so the value alone would be
 * served cut short (NSD serves it whole; tests/dns/nsd_oracle.test.ts).
 */
const VALUE_JSON = "CASE WHEN instr(value, char(0)) > 0 THEN json_quote(value) END AS value_json";

function rowToRecord(r: Record<string, unknown>): StoredRecord {
  return {
    id: Number(r.id),
    zone: String(r.zone),
    name: String(r.name),
    type: String(r.type),
    value: r.value_json == null ? String(r.value) : JSON.parse(String(r.value_json)),
    ttl: Number(r.ttl),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    ...(r.txt_split ? { txtSplit: String(r.txt_split) } : {}),
  };
}

// Integer columns are clamped (safe_integer_column.ts): one bad row must never fail a sync.
// recordFromValues reads them by position: keep the order.
// RAW_RECORD_COLUMNS are for raw rows, which carry a value whole (RawRows).
const RAW_RECORD_COLUMNS = "id, zone, name, type, value, " +
  `${safeIntegerColumn("ttl", { min: 0, max: MAX_TTL })}, ` +
  `${safeIntegerColumn("created_at")}, ${safeIntegerColumn("expires_at")}, txt_split`;
const RECORD_COLUMNS = `${RAW_RECORD_COLUMNS}, ${VALUE_JSON}`;

/**
 * Live records of the given names, in publish order (brief §1.6: by created_at).
 *
 * @example
 * ```ts ignore
 * const rows = await readRecordsByName(client, ["a.example.com"], now);
 * ```
 */
export async function readRecordsByName(
  client: SqlClient,
  names: readonly string[],
  now: number,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (let i = 0; i < names.length; i += 200) {
    const part = names.slice(i, i + 200);
    const r = await client.execute({
      sql: `SELECT ${RECORD_COLUMNS} FROM records WHERE name IN (${part.map(() => "?").join(",")})
            AND ${LIVE} ORDER BY created_at, id`,
      args: [...part, Math.floor(now)],
    });
    for (let j = 0; j < r.rows.length; j++) out.push(rowToRecord(r.rows[j]));
  }
  return out;
}

/**
 * Every live record of a zone, in publish order; with `rawRows`, read through it
 * (a local database in raw mode) instead of `client`.
 *
 * @example
 * ```ts ignore
 * const rows = await readZoneRecords(client, "example.com", now);
 * ```
 */
export async function readZoneRecords(
  client: SqlClient,
  zone: string,
  now: number,
  onPage?: (rowsSoFar: number) => void,
  rawRows?: RawRows,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  await readZoneRecordPages(client, zone, now, (page) => {
    for (let j = 0; j < page.length; j++) out.push(page[j]);
    onPage?.(out.length);
  }, rawRows);
  // Publish order is restored after (no index covers created_at).
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
}

/**
 * Every live record of a zone, page by page in id order (publish order unless a clock went
 * back), each page to `onPage`; with `rawRows`, read through it instead of `client`.
 */
export async function readZoneRecordPages(
  client: SqlClient,
  zone: string,
  now: number,
  onPage: (records: StoredRecord[]) => void,
  rawRows?: RawRows,
): Promise<void> {
  // Pages by primary key: a 100k-record zone read as one result set holds every row object at
  // once, and the heap the load grew to stays as the process's RSS.
  const page = rawRows ? RAW_ZONE_READ_PAGE : ZONE_READ_PAGE;
  for (let after = 0;;) {
    const stmt = {
      sql: `SELECT ${rawRows ? RAW_RECORD_COLUMNS : RECORD_COLUMNS} FROM records ` +
        `WHERE zone = ? AND ${LIVE} AND id > ? ` +
        `ORDER BY id LIMIT ${page}`,
      args: [zone, Math.floor(now), after],
    };
    const records: StoredRecord[] = [];
    if (rawRows) {
      const rows = rawRows(stmt);
      for (let j = 0; j < rows.length; j++) records.push(recordFromValues(rows[j]));
    } else {
      const r = await client.execute(stmt);
      for (let j = 0; j < r.rows.length; j++) records.push(rowToRecord(r.rows[j]));
    }
    // The page in id order, and the next after its highest id: raw rows need not come in order.
    if (rawRows) records.sort((a, b) => a.id - b.id);
    onPage(records);
    if (records.length < page) break;
    after = records[records.length - 1].id;
  }
}

/**
 * A zone's live records: how many, and the characters of their values (for sizing its image,
 * `ZoneImageBuilder`).
 */
export async function zoneRecordsSize(
  client: SqlClient,
  zone: string,
  now: number,
  rawRows?: RawRows,
): Promise<{ records: number; valueChars: number; txtRecords: number }> {
  const stmt = {
    sql: `SELECT count(*) AS n, COALESCE(sum(length(value)), 0) AS chars,
            count(*) FILTER (WHERE type = 'TXT') AS txt
          FROM records WHERE zone = ? AND ${LIVE}`,
    args: [zone, Math.floor(now)],
  };
  if (rawRows) {
    const [n, chars, txt] = rawRows(stmt)[0];
    return { records: Number(n), valueChars: Number(chars), txtRecords: Number(txt) };
  }
  const row = (await client.execute(stmt)).rows[0];
  return { records: Number(row.n), valueChars: Number(row.chars), txtRecords: Number(row.txt) };
}

/**
 * Runs a read statement on a local database and returns its rows, in any
 * order, as arrays of values in column order, numbers as numbers, text whole
 * (a NUL included, unlike libSQL's bindings, see `VALUE_JSON`): for bulk
 * reads, where the client's row objects (each value defined twice, integers
 * as BigInt) cost more than the read itself (apps/udp-node/storage/raw_rows.ts).
 */
export type RawRows = (stmt: { sql: string; args: (string | number)[] }) => unknown[][];

/**
 * A record from a row of {@linkcode RECORD_COLUMNS} (or of {@linkcode RAW_RECORD_COLUMNS}, from
 * raw rows) as values in column order.
 */
function recordFromValues(v: unknown[]): StoredRecord {
  return {
    id: Number(v[0]),
    zone: String(v[1]),
    name: String(v[2]),
    type: String(v[3]),
    value: v[9] == null ? String(v[4]) : JSON.parse(String(v[9])),
    ttl: Number(v[5]),
    createdAt: Number(v[6]),
    expiresAt: Number(v[7]),
    ...(v[8] ? { txtSplit: String(v[8]) } : {}),
  };
}

/** Rows per page of {@linkcode readZoneRecords}. */
const ZONE_READ_PAGE = 5000;

/**
 * Rows per page of {@linkcode readZoneRecords} from raw rows, which come as one JSON text per
 * page: 400 DMP-sized rows are about 100 KiB of it, under V8's large-object size (128 KiB), so
 * each page's text is made in the young generation's pages, not in freshly mapped ones. A 100k
 * record load faults 48k pages instead of 66k and reads its rows 10-20 ms sooner.
 */
const RAW_ZONE_READ_PAGE = 400;

/**
 * Number of live records (the `dmp_records` gauge, `/stats`).
 *
 * @example
 * ```ts ignore
 * const n = await countLiveRecords(client, now);
 * ```
 */
export async function countLiveRecords(client: SqlClient, now: number): Promise<number> {
  const r = await client.execute({
    sql: `SELECT count(*) AS n FROM records WHERE ${LIVE}`,
    args: [Math.floor(now)],
  });
  return Number(r.rows[0].n);
}

/**
 * Number of live records per zone (the dashboard's zones list); zones
 * without records are absent.
 *
 * @example
 * ```ts ignore
 * const counts = await countLiveRecordsByZone(client, now);
 * console.log(counts.get("example.com") ?? 0);
 * ```
 */
export async function countLiveRecordsByZone(
  client: SqlClient,
  now: number,
): Promise<Map<string, number>> {
  const r = await client.execute({
    sql: `SELECT zone, count(*) AS n FROM records WHERE ${LIVE} GROUP BY zone`,
    args: [Math.floor(now)],
  });
  return new Map(Array.from(r.rows, (row) => [String(row.zone), Number(row.n)]));
}

/**
 * Deletes expired rows (disk hygiene: reads already hide them, brief §1.7) and
 * journals the names so every node's index drops them too. Returns the count.
 *
 * @example
 * ```ts ignore
 * const removed = await sweepExpiredRecords(client, now);
 * ```
 */
export async function sweepExpiredRecords(client: SqlClient, now: number): Promise<number> {
  const t = Math.floor(now);
  const found = await client.execute({
    sql:
      "SELECT DISTINCT zone, name FROM records WHERE expires_at > 0 AND expires_at <= ? LIMIT 5000",
    args: [t],
  });
  if (found.rows.length === 0) return 0;
  const touched = new Map<string, string>();
  for (let i = 0; i < found.rows.length; i++) {
    const zone = String(found.rows[i].zone);
    touched.set(`${zone}\n${String(found.rows[i].name)}`, zone);
  }
  const stmts: SqlStatement[] = [];
  for (const [key, zone] of touched) {
    stmts.push({
      sql: "DELETE FROM records WHERE zone = ? AND name = ? AND expires_at > 0 AND expires_at <= ?",
      args: [zone, key.slice(zone.length + 1), t],
    });
  }
  pushJournal(stmts, touched, t);
  const res = await client.batch(stmts, "write");
  let n = 0;
  for (let i = 0; i < touched.size; i++) n += res[i].rowsAffected;
  return n;
}

/**
 * Journal entries after `seq`, oldest first (at most `limit`).
 *
 * @example
 * ```ts ignore
 * const entries = await readJournalSince(client, 0, 1000);
 * ```
 */
export async function readJournalSince(
  client: SqlClient,
  seq: number,
  limit: number,
): Promise<JournalEntry[]> {
  const r = await client.execute({
    sql: "SELECT seq, zone, name FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
    args: [seq, limit],
  });
  const out: JournalEntry[] = [];
  for (let i = 0; i < r.rows.length; i++) {
    out.push({
      seq: Number(r.rows[i].seq),
      zone: String(r.rows[i].zone),
      name: String(r.rows[i].name),
    });
  }
  return out;
}

/** Most journal entries one {@linkcode pruneJournal} call deletes (a short write lock). */
export const JOURNAL_PRUNE_BATCH = 50_000;

/**
 * Deletes the oldest journal entries beyond the newest `keep`, at most
 * {@linkcode JOURNAL_PRUNE_BATCH} per call; returns how many went. The head
 * entry always stays, so the journal head never moves back. The journal is
 * how running nodes catch up, not a history: a follower behind the oldest
 * entry left reloads its zones (`follow_journal.ts`), as at start.
 *
 * @example
 * ```ts ignore
 * await pruneJournal(writer, 200_000);
 * ```
 */
export async function pruneJournal(client: SqlClient, keep: number): Promise<number> {
  // Both bounds are ranges of the primary key: no scan, whatever the journal's size.
  const r = await client.execute({
    sql: `DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?
            AND seq < (SELECT MIN(seq) FROM journal) + ?`,
    args: [Math.max(1, Math.floor(keep)), JOURNAL_PRUNE_BATCH],
  });
  return r.rowsAffected;
}

/**
 * Highest journal sequence number (0 when empty).
 *
 * @example
 * ```ts ignore
 * const head = await readJournalHead(client);
 * ```
 */
export async function readJournalHead(client: SqlClient): Promise<number> {
  const r = await client.execute("SELECT COALESCE(MAX(seq), 0) AS s FROM journal");
  return Number(r.rows[0].s);
}
