/**
 * The zone serial rule, in one place: RFC 1982 serial arithmetic and the next
 * serial of a zone under its policy. Every write that changes a zone moves its
 * serial with {@linkcode nextSerial} (in SQL, {@linkcode nextSerialSql}), so
 * secondaries and monitoring never see a zone go backwards (RFC 1982 §3.2).
 *
 * This module is browser compatible.
 * @module
 */

/** 2^32: serials are unsigned 32-bit numbers (RFC 1035 §3.3.13). */
const SPACE = 4294967296;
/** 2^31: the RFC 1982 §3.2 comparison horizon. */
const HALF = 2147483648;

/** How a zone's serial moves on a change. */
export type SerialPolicy = "increment" | "unixtime" | "dateserial";

/** Every {@linkcode SerialPolicy}, for flags and schemas. */
export const SERIAL_POLICIES: readonly SerialPolicy[] = ["increment", "unixtime", "dateserial"];

/** The policy of zones that never chose one (what dmp-edge always did: time-based serials). */
export const DEFAULT_SERIAL_POLICY: SerialPolicy = "unixtime";

/** What a policy flag or field accepts, for error messages. */
export const SERIAL_POLICY_EXPECTED = "expected increment, unixtime or dateserial";

/**
 * Whether `text` names a serial policy.
 *
 * @example
 * ```ts
 * import { isSerialPolicy } from "./serial.ts";
 * if (!isSerialPolicy("dateserial") || isSerialPolicy("date")) throw new Error();
 * ```
 */
export function isSerialPolicy(text: unknown): text is SerialPolicy {
  return typeof text === "string" && (SERIAL_POLICIES as readonly string[]).includes(text);
}

/**
 * RFC 1982 §3.2: whether serial `a` is greater than `b` (`(a - b) mod 2^32`
 * lies in [1, 2^31 - 1]; at exactly 2^31 apart neither is greater).
 *
 * @example
 * ```ts
 * import { serialGreater } from "./serial.ts";
 * if (!serialGreater(5, 4294967290)) throw new Error(); // wrapped around
 * ```
 */
export function serialGreater(a: number, b: number): boolean {
  const d = ((a - b) % SPACE + SPACE) % SPACE;
  return d >= 1 && d < HALF;
}

/**
 * The serial a policy would pick at `now` ignoring the current one:
 * `unixtime` the seconds since 1970, `dateserial` YYYYMMDD00 (UTC), and
 * `increment` 0 (it always counts on from the current serial).
 *
 * @example
 * ```ts
 * import { policySerial } from "./serial.ts";
 * if (policySerial("dateserial", Date.UTC(2026, 10, 26) / 1000) !== 2026112600) throw new Error();
 * ```
 */
export function policySerial(policy: SerialPolicy, now: number): number {
  if (policy === "unixtime") return Math.floor(now) % SPACE;
  if (policy === "dateserial") {
    const d = new Date(Math.floor(now) * 1000);
    return (d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate()) * 100;
  }
  return 0;
}

/**
 * The serial after a change: the policy's serial at `now` when that is
 * greater (RFC 1982) than `current`, else `current + 1` mod 2^32. So
 * `increment` counts, `unixtime` follows the clock, `dateserial` counts
 * YYYYMMDDnn within a day (on the 100th change of a day it runs into the
 * next day's numbers, as BIND's does), and none ever goes backwards: a zone
 * imported with a serial ahead of the clock counts on from it.
 *
 * @example
 * ```ts
 * import { nextSerial } from "./serial.ts";
 * if (nextSerial(4294967295, "increment", 0) !== 0) throw new Error(); // wraps (RFC 1982 §3.1)
 * if (nextSerial(2026112601, "unixtime", 1795700624) !== 2026112602) throw new Error();
 * ```
 */
export function nextSerial(current: number, policy: SerialPolicy, now: number): number {
  const candidate = policySerial(policy, now);
  if (policy !== "increment" && serialGreater(candidate, current)) return candidate;
  return (current + 1) % SPACE;
}

/**
 * {@linkcode nextSerial} as an SQL expression, so a write moves the serial
 * inside its own transaction from the value it finds there. `serial` and
 * `policy` are SQL expressions (default: the `zones` columns); the numbers of
 * `now` are written in as integer literals, so the expression takes no
 * arguments and can sit anywhere in a statement.
 *
 * @example
 * ```ts ignore
 * stmts.push({ sql: `UPDATE zones SET serial = ${nextSerialSql(now)} WHERE name = ?`, args: [zone] });
 * ```
 */
export function nextSerialSql(
  now: number,
  serial = "serial",
  policy = "serial_policy",
): string {
  const unix = policySerial("unixtime", now);
  const date = policySerial("dateserial", now);
  // The candidate per policy; increment's is the serial itself, which is never greater.
  const candidate = `(CASE ${policy} WHEN 'unixtime' THEN ${unix} WHEN 'dateserial' THEN ${date} ` +
    `ELSE ${serial} END)`;
  return `(CASE WHEN ${
    serialGreaterSql(candidate, serial)
  } THEN ${candidate} ELSE (${serial} + 1) % ${SPACE} END)`;
}

/**
 * {@linkcode serialGreater} as an SQL condition over two SQL expressions.
 *
 * @example
 * ```ts ignore
 * const sql = `UPDATE zones SET serial = ? WHERE name = ? AND ${serialGreaterSql("?", "serial")}`;
 * ```
 */
export function serialGreaterSql(a: string, b: string): string {
  return `(((${a}) - (${b})) % ${SPACE} + ${SPACE}) % ${SPACE} BETWEEN 1 AND ${HALF - 1}`;
}

/**
 * The serial of a new zone: the file's when it has one, else the policy's
 * serial at `now` (1 for `increment`).
 *
 * @example
 * ```ts
 * import { firstSerial } from "./serial.ts";
 * if (firstSerial("increment", 1795700624) !== 1) throw new Error();
 * ```
 */
export function firstSerial(policy: SerialPolicy, now: number): number {
  return policySerial(policy, now) || 1;
}
