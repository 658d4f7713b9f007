/**
 * Zone import as one transaction: the zone row (keeping the file's SOA
 * serial, zone/serial.ts), then only the records that differ. Merge (the
 * default) adds the file's records to the zone; `replace` also deletes the
 * zone data the file no longer has. Either way the journal names exactly the
 * names that changed, so every node re-reads only those.
 *
 * Records with a DMP lifetime are users' data (they expire by themselves) and
 * are never deleted by a replace; the export writes them as comments.
 *
 * This module is browser compatible.
 * @module
 */

import type { MasterFileRecord } from "../zone/master_file.ts";
import { isInZone } from "../wire/name.ts";
import { txtSplitOf, txtSplitOfLengths } from "../wire/txt_split.ts";
import {
  DEFAULT_SERIAL_POLICY,
  firstSerial,
  nextSerial,
  serialGreater,
  type SerialPolicy,
} from "../zone/serial.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";
import {
  ChangeBatch,
  readZoneRecords,
  type RecordChange,
  type SqlTransaction,
  type SteppedSqlClient,
  type StoredRecord,
  type StoredZone,
} from "./records.ts";
import { readZone, zoneUpsertStatements } from "./zones.ts";

/** What an import did. */
export interface ZoneImportResult {
  /** records written (new, or with a new TTL or split) */
  added: number;
  /** zone-data records deleted (replace only) */
  deleted: number;
  /** records already there as the file has them */
  unchanged: number;
  /** the zone's serial after the import */
  serial: number;
}

/**
 * Thrown when the file cannot be imported; `message` names the line. Nothing
 * was written. `conflict` is true when the file was fine but the zone changed
 * while the import ran (run it again; HTTP 409), false for a bad file (400).
 */
export class ZoneImportError extends Error {
  /** the zone changed under the import (the file may be fine) */
  readonly conflict: boolean;
  /**
   * @param message `line N: reason`
   * @param conflict the zone changed under the import
   */
  constructor(message: string, conflict = false) {
    super(message);
    this.name = "ZoneImportError";
    this.conflict = conflict;
  }
}

/** TXT RDATA of character-strings (each ≤ 255 octets, as the master-file parser checks). */
function txtRdata(strings: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(strings.reduce((n, s) => n + 1 + s.length, 0));
  let p = 0;
  for (const s of strings) {
    out[p++] = s.length;
    out.set(s, p);
    p += s.length;
  }
  return out;
}

/**
 * The import's own checks, with the line of the first offending record:
 * every owner inside the zone, one SOA and only at the apex, no CNAME at the
 * apex (it holds the SOA and NS) and no CNAME beside other data (RFC 1034
 * §3.6.2, RFC 2181 §10.1), counting the zone data a merge keeps.
 *
 * @returns the error message, or undefined when the records may be imported
 */
export function checkZoneRecords(
  zone: string,
  records: readonly MasterFileRecord[],
  kept: readonly Pick<StoredRecord, "name" | "type" | "value">[] = [],
): string | undefined {
  let soaLine = 0;
  const types = new Map<
    string,
    { cname?: number; target?: string; other?: { type: string; line: number } }
  >();
  for (const r of kept) {
    const t = types.get(r.name) ?? {};
    if (r.type === "CNAME") [t.cname, t.target] = [0, r.value];
    else t.other ??= { type: r.type, line: 0 };
    types.set(r.name, t);
  }
  for (const r of records) {
    if (!isInZone(r.name, zone)) return `line ${r.line}: ${r.name} is outside zone ${zone}`;
    if (r.type === "SOA") {
      if (r.name !== zone) return `line ${r.line}: an SOA belongs at the zone apex ${zone} only`;
      if (soaLine) return `line ${r.line}: a second SOA (the first is on line ${soaLine})`;
      soaLine = r.line;
    }
    if (r.type === "CNAME" && r.name === zone) {
      return `line ${r.line}: a CNAME at the zone apex ${zone} is not allowed (the apex holds ` +
        "the SOA and NS records; RFC 1034 §3.6.2)";
    }
    const t = types.get(r.name) ?? {};
    const where = (l: number) => l ? `line ${l}` : "the zone already";
    if (r.type === "CNAME") {
      if (t.other) {
        return `line ${r.line}: ${r.name} has a CNAME and other data (${t.other.type} on ${
          where(t.other.line)
        }); a CNAME must be alone at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)`;
      }
      if (t.cname !== undefined && t.target !== r.value) {
        return `line ${r.line}: ${r.name} has a second CNAME (the first on ${
          where(t.cname)
        }); a name has at most one (RFC 2181 §10.1)`;
      }
      t.cname ??= r.line;
      t.target ??= r.value;
    } else if (t.cname !== undefined) {
      return `line ${r.line}: ${r.name} has a ${r.type} beside its CNAME (on ${
        where(t.cname)
      }); a CNAME must be alone at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)`;
    } else {
      t.other ??= { type: r.type, line: r.line };
    }
    types.set(r.name, t);
  }
  return undefined;
}

function key(name: string, type: string, value: string): string {
  return `${name}\n${type}\n${value}`;
}

/** One record of an import's difference, as the preview lists it. */
export interface ZoneImportDiffRecord {
  name: string;
  type: string;
  ttl: number;
  value: string;
}

/**
 * What an import would do to a zone, computed from the zone as it is now:
 * the preview (`dry_run`) shows it, {@linkcode applyZoneImport} writes it.
 */
export interface ZoneImportPlan {
  zone: string;
  /** the zone row read (undefined: the import creates the zone) */
  before: StoredZone | undefined;
  /** records to write (new, or with a new TTL or TXT split) */
  adds: ZoneImportDiffRecord[];
  /** zone data to delete (replace only) */
  deletes: ZoneImportDiffRecord[];
  /** records already there as the file has them */
  unchanged: number;
  /** the serial before (undefined: no zone yet) */
  serialBefore: number | undefined;
  /**
   * The serial after, as of `now`: the file's when it moves the zone forward
   * (RFC 1982), else the next by the zone's policy, which for `unixtime` and
   * `dateserial` depends on the clock when the import is applied.
   */
  serialAfter: number;
  /** true when nothing differs: applying writes nothing and the serial stays */
  noop: boolean;
  /** the zone's data as read (zone data only, no DMP values): what the fingerprint covers */
  zoneData: readonly StoredRecord[];
  // What applying writes.
  readonly changes: readonly RecordChange[];
  readonly soaFields: readonly string[] | undefined;
  readonly serialPolicy: SerialPolicy | undefined;
}

/**
 * Reads the zone and computes what importing `records` would change, without
 * writing. Throws {@linkcode ZoneImportError} when the records break a rule of
 * {@linkcode checkZoneRecords}.
 *
 * @example
 * ```ts ignore
 * const plan = await planZoneImport(client, "example.com", parsed.records, { now, replace: true });
 * console.log(plan.adds.length, plan.deletes.length, plan.unchanged, plan.serialAfter);
 * ```
 */
export async function planZoneImport(
  client: SqlClient,
  zone: string,
  records: readonly MasterFileRecord[],
  options: { now: number; replace?: boolean; serialPolicy?: SerialPolicy },
): Promise<ZoneImportPlan> {
  const now = options.now;
  const before = await readZone(client, zone);
  const current = before ? await readZoneRecords(client, zone, now) : [];
  const zoneData = current.filter((r) => r.expiresAt === 0);
  // A merge keeps everything; a replace keeps only users' DMP data.
  const kept = options.replace ? current.filter((r) => r.expiresAt > 0) : current;
  const problem = checkZoneRecords(zone, records, kept);
  if (problem) throw new ZoneImportError(problem);

  const soa = records.find((r) => r.type === "SOA");
  const f = soa?.value.split(" ");
  const existing = new Map<string, StoredRecord>();
  for (const r of zoneData) existing.set(key(r.name, r.type, r.value), r);
  const changes: RecordChange[] = [];
  const adds: ZoneImportDiffRecord[] = [];
  const deletes: ZoneImportDiffRecord[] = [];
  const inFile = new Set<string>();
  let unchanged = 0;
  for (const r of records) {
    if (r.type === "SOA") continue;
    const k = key(r.name, r.type, r.value);
    // RFC 1035 §3.3.14: a TXT's character-strings are served as the file splits them.
    const txtSplit = r.txtLengths
      ? txtSplitOfLengths(r.txtLengths)
      : r.txtStrings
      ? txtSplitOf(txtRdata(r.txtStrings))
      : "";
    const had = existing.get(k);
    if (inFile.has(k)) continue; // a duplicate line is one record
    inFile.add(k);
    if (had && had.ttl === r.ttl && (had.txtSplit ?? "") === txtSplit) {
      unchanged++;
      continue;
    }
    changes.push({
      op: "add",
      zone,
      name: r.name,
      type: r.type,
      value: r.value,
      ttl: r.ttl,
      ...(txtSplit ? { txtSplit } : {}),
    });
    adds.push({ name: r.name, type: r.type, ttl: r.ttl, value: r.value });
  }
  if (options.replace) {
    for (const [k, r] of existing) {
      if (inFile.has(k)) continue;
      changes.push({ op: "delete_value", zone, name: r.name, type: r.type, value: r.value });
      deletes.push({ name: r.name, type: r.type, ttl: r.ttl, value: r.value });
    }
  }
  // Nothing differs (records, SOA fields, policy, and a serial not ahead): nothing to write,
  // so the serial stays and secondaries are not sent a transfer of the same zone.
  const noop = before !== undefined && changes.length === 0 &&
    sameSettings(before, f, options.serialPolicy);
  const fileSerial = f ? Number(f[2]) : undefined;
  const policy = options.serialPolicy ?? before?.serialPolicy ?? DEFAULT_SERIAL_POLICY;
  // The same rule zoneUpsertStatements writes in SQL (RFC 1982 §3.2).
  const serialAfter = !before
    ? fileSerial ?? firstSerial(policy, now)
    : noop
    ? before.serial
    : fileSerial !== undefined && serialGreater(fileSerial, before.serial)
    ? fileSerial
    : nextSerial(before.serial, policy, now);
  return {
    zone,
    before,
    adds,
    deletes,
    unchanged,
    serialBefore: before?.serial,
    serialAfter,
    noop,
    zoneData,
    changes,
    soaFields: f,
    serialPolicy: options.serialPolicy,
  };
}

/**
 * Writes a plan of {@linkcode planZoneImport} in one transaction, guarded by
 * the serial the plan read: a write that landed since (every write moves the
 * serial) fails it whole with {@linkcode ZoneImportError}, nothing written.
 *
 * @example
 * ```ts ignore
 * const r = await applyZoneImport(client, plan, { now });
 * ```
 */
export async function applyZoneImport(
  client: SqlClient,
  plan: ZoneImportPlan,
  options: {
    now: number;
    onProgress?: (done: number, total: number) => void;
    /**
     * where the stepped write transaction runs, when not on `client` (the CLI's
     * prepared-statement writer for `file:` databases)
     */
    writer?: Pick<SteppedSqlClient, "transaction">;
  },
): Promise<ZoneImportResult> {
  const { zone, before, changes, noop } = plan;
  const result = {
    added: plan.adds.length,
    deleted: plan.deletes.length,
    unchanged: plan.unchanged,
  };
  if (noop && before) {
    return { added: 0, deleted: 0, unchanged: plan.unchanged, serial: before.serial };
  }
  const now = options.now;
  const f = plan.soaFields;
  const stmts: SqlStatement[] = [];
  // Optimistic concurrency: every write moves the serial, so an unchanged serial means the
  // diff below is still the diff. The guard fails the whole transaction otherwise.
  stmts.push(
    before
      ? {
        sql: `INSERT INTO write_guard (excess) SELECT 1 WHERE
                (SELECT serial FROM zones WHERE name = ?) IS NOT ?`,
        args: [zone, before.serial],
      }
      : {
        sql:
          "INSERT INTO write_guard (excess) SELECT 1 WHERE EXISTS (SELECT 1 FROM zones WHERE name = ?)",
        args: [zone],
      },
  );
  stmts.push(...zoneUpsertStatements({
    name: zone,
    soaMname: f?.[0] ?? before?.soaMname ?? "",
    soaRname: f?.[1] ?? before?.soaRname ?? "",
    serial: f ? Number(f[2]) : undefined,
    soaRefresh: f ? Number(f[3]) : before?.soaRefresh,
    soaRetry: f ? Number(f[4]) : before?.soaRetry,
    soaExpire: f ? Number(f[5]) : before?.soaExpire,
    soaMinimum: f ? Number(f[6]) : before?.soaMinimum,
    serialPolicy: plan.serialPolicy,
  }, now));
  const batch = new ChangeBatch(now);
  batch.changes([...changes]);
  batch.serialMovedBy(zone);
  for (const st of batch.finish()) stmts.push(st);
  try {
    await runStatements(options.writer ?? client, stmts, options.onProgress);
  } catch (e) {
    if (/CHECK constraint failed/i.test(String((e as Error)?.message ?? e))) {
      throw new ZoneImportError(
        `zone ${zone} changed while the file was being compared with it; nothing was ` +
          "written, run the import again",
        true,
      );
    }
    throw e;
  }
  const after = await readZone(client, zone);
  return { ...result, serial: after?.serial ?? 0 };
}

/**
 * Imports parsed master-file records into `zone` in one transaction
 * ({@linkcode planZoneImport}, then {@linkcode applyZoneImport}).
 * Throws {@linkcode ZoneImportError} (nothing written) when the records break
 * a rule of {@linkcode checkZoneRecords}, or when the zone changed between
 * reading it and writing (run it again).
 *
 * @example
 * ```ts ignore
 * const r = await importZone(client, "example.com", parsed.records, { now, replace: true });
 * ```
 */
export async function importZone(
  client: SqlClient,
  zone: string,
  records: readonly MasterFileRecord[],
  options: {
    now: number;
    replace?: boolean;
    serialPolicy?: SerialPolicy;
    /** stepped writes with progress, for large files (CLI) */
    onProgress?: (done: number, total: number) => void;
    /**
     * where the stepped write transaction runs, when not on `client` (the CLI's
     * prepared-statement writer for `file:` databases)
     */
    writer?: Pick<SteppedSqlClient, "transaction">;
  },
): Promise<ZoneImportResult> {
  const plan = await planZoneImport(client, zone, records, options);
  return await applyZoneImport(client, plan, options);
}

function sameSettings(
  z: StoredZone,
  soa: string[] | undefined,
  policy: SerialPolicy | undefined,
): boolean {
  if (policy !== undefined && policy !== z.serialPolicy) return false;
  if (!soa) return true;
  const [mname, rname, serial, refresh, retry, expire, minimum] = soa;
  return mname === z.soaMname && rname === z.soaRname && !serialGreater(Number(serial), z.serial) &&
    Number(refresh) === z.soaRefresh && Number(retry) === z.soaRetry &&
    Number(expire) === z.soaExpire && Number(minimum) === z.soaMinimum;
}

/** Bound values per step of a stepped import (about 2,000 records' rows). */
const IMPORT_STEP_ARGS = 24_000;

/** Runs statements in one transaction, stepped with progress when the client can and asked. */
async function runStatements(
  client: SqlClient | Pick<SteppedSqlClient, "transaction">,
  stmts: SqlStatement[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const stepped = client as Partial<SteppedSqlClient>;
  if (!onProgress || typeof stepped.transaction !== "function") {
    await (client as SqlClient).batch(stmts, "write");
    return;
  }
  const tx: SqlTransaction = await stepped.transaction("write");
  try {
    // Steps bounded by bound values, not statements: ChangeBatch packs up to hundreds of rows
    // into one multi-row INSERT, and the client converts a whole step's arguments at once, so
    // a step of 2,000 statements held every value of a 100k-record zone twice (JS and native).
    for (let i = 0; i < stmts.length;) {
      let j = i;
      let args = 0;
      while (j < stmts.length && (j === i || args < IMPORT_STEP_ARGS)) {
        const a = stmts[j++].args;
        args += a?.length ?? 0;
      }
      await tx.batch(stmts.slice(i, j));
      onProgress(j, stmts.length);
      i = j;
    }
    await tx.commit();
  } finally {
    tx.close(); // rolls back unless committed
  }
}
