/**
 * Per-zone transfer policy (issue 16): who may AXFR/IXFR a zone and which
 * secondaries are sent NOTIFY. One row of `zone_transfer` per zone; no row
 * means the zone is never transferred (RFC 5936 §5: access control is the
 * primary's to define; the safe default is to refuse).
 *
 * Matching: the allowed keys and the allowed networks are each a requirement
 * when non-empty, so `--allow-key k --allow-net 192.0.2.0/24` needs both the
 * key and the address (BIND's `allow-transfer { key k; 192.0.2.0/24; }` would
 * take either; requiring both is the stricter reading of "key and/or
 * network"). A policy with neither list allows nothing.
 *
 * This module is browser compatible.
 * @module
 */

import { type Cidr, cidrContains, formatCidr, parseCidr } from "../net/cidr.ts";
import { canonicalName, isValidOwnerName } from "../wire/name.ts";
import { parseIpv4 } from "../values/ipv4.ts";
import { parseIpv6 } from "../values/ipv6.ts";
import type { SqlClient } from "./sql_client.ts";

/** Caps on a policy, so one row cannot grow without bound. */
export const TRANSFER_POLICY_LIMITS = {
  /** allowed key names per zone */
  keys: 64,
  /** allowed networks per zone */
  nets: 256,
  /** NOTIFY targets per zone */
  notify: 32,
} as const;

/** A secondary to NOTIFY: an IP literal, a port, and the TSIG key to sign with ("" = unsigned). */
export interface NotifyTarget {
  address: string;
  port: number;
  key: string;
}

/** The transfer policy of one zone. */
export interface TransferPolicy {
  zone: string;
  /** canonical TSIG key names */
  allowKeys: string[];
  /** canonical prefixes (`192.0.2.0/24`) */
  allowNets: string[];
  notify: NotifyTarget[];
}

/** A policy that failed validation; `field` names the offending part. */
export class TransferPolicyError extends Error {
  /** @param field the field at fault (`allowKeys`, `allowNets`, `notify`, `zone`) */
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "TransferPolicyError";
  }
}

/**
 * Checks and canonicalizes a policy (names lower-cased, prefixes in canonical
 * form, duplicates removed). Throws {@linkcode TransferPolicyError}.
 *
 * @example
 * ```ts
 * import { normalizeTransferPolicy } from "./transfer_policy.ts";
 * const p = normalizeTransferPolicy({ zone: "Example.COM.", allowKeys: ["XFR"], allowNets: [],
 *   notify: [{ address: "127.0.0.1", port: 53, key: "" }] });
 * if (p.zone !== "example.com" || p.allowKeys[0] !== "xfr") throw new Error();
 * ```
 */
export function normalizeTransferPolicy(p: TransferPolicy): TransferPolicy {
  const zone = canonicalName(p.zone);
  if (!isValidOwnerName(zone)) {
    throw new TransferPolicyError("zone", `invalid zone name: ${p.zone}`);
  }
  const allowKeys = [...new Set(p.allowKeys.map(canonicalName))];
  for (const k of allowKeys) {
    if (!isValidOwnerName(k) || k === "") {
      throw new TransferPolicyError("allowKeys", `invalid key name: ${k}`);
    }
  }
  if (allowKeys.length > TRANSFER_POLICY_LIMITS.keys) {
    throw new TransferPolicyError("allowKeys", `at most ${TRANSFER_POLICY_LIMITS.keys} keys`);
  }
  const allowNets = [
    ...new Set(p.allowNets.map((n) => {
      const c = parseCidr(n.trim());
      if (!c) {
        throw new TransferPolicyError(
          "allowNets",
          `invalid network (ADDR/LEN, no host bits): ${n}`,
        );
      }
      return formatCidr(c);
    })),
  ];
  if (allowNets.length > TRANSFER_POLICY_LIMITS.nets) {
    throw new TransferPolicyError("allowNets", `at most ${TRANSFER_POLICY_LIMITS.nets} networks`);
  }
  const seen = new Set<string>();
  const notify: NotifyTarget[] = [];
  for (const t of p.notify) {
    if (!parseIpv4(t.address) && !parseIpv6(t.address)) {
      throw new TransferPolicyError("notify", `NOTIFY target must be an IP address: ${t.address}`);
    }
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
      throw new TransferPolicyError("notify", `invalid NOTIFY port: ${t.port}`);
    }
    const key = t.key === "" ? "" : canonicalName(t.key);
    if (key !== "" && !isValidOwnerName(key)) {
      throw new TransferPolicyError("notify", `invalid NOTIFY key name: ${t.key}`);
    }
    const id = `${t.address} ${t.port}`;
    if (seen.has(id)) continue;
    seen.add(id);
    notify.push({ address: t.address, port: t.port, key });
  }
  if (notify.length > TRANSFER_POLICY_LIMITS.notify) {
    throw new TransferPolicyError("notify", `at most ${TRANSFER_POLICY_LIMITS.notify} targets`);
  }
  return { zone, allowKeys, allowNets, notify };
}

/**
 * Parses a NOTIFY target written `ADDR[:PORT][@KEY]` or `[V6ADDR]:PORT[@KEY]`
 * (port 53 by default). Returns null when it cannot be read.
 *
 * @example
 * ```ts
 * import { parseNotifyTarget } from "./transfer_policy.ts";
 * const t = parseNotifyTarget("[::1]:5300@xfr");
 * if (t?.address !== "::1" || t.port !== 5300 || t.key !== "xfr") throw new Error();
 * ```
 */
export function parseNotifyTarget(text: string): NotifyTarget | null {
  const at = text.indexOf("@");
  const hostPort = at < 0 ? text : text.slice(0, at);
  const key = at < 0 ? "" : text.slice(at + 1);
  let address = hostPort;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(hostPort);
  if (bracket) {
    address = bracket[1];
    if (bracket[2]) port = Number(bracket[2]);
  } else if (!hostPort.includes(":") || /^[^:]+:\d{1,5}$/.test(hostPort)) {
    const [a, p] = hostPort.split(":");
    address = a;
    if (p) port = Number(p);
  }
  if (!parseIpv4(address) && !parseIpv6(address)) return null;
  if (port < 1 || port > 65535) return null;
  return { address, port, key };
}

/**
 * Reads a zone's policy; undefined when the zone has none (never transferred).
 *
 * @example
 * ```ts ignore
 * const p = await readTransferPolicy(client, "example.com");
 * ```
 */
export async function readTransferPolicy(
  client: SqlClient,
  zone: string,
): Promise<TransferPolicy | undefined> {
  const r = await client.execute({
    sql: "SELECT * FROM zone_transfer WHERE zone = ?",
    args: [zone],
  });
  return r.rows.length === 0 ? undefined : rowToPolicy(r.rows[0]);
}

/**
 * Every stored policy (for the NOTIFY sender and listings).
 *
 * @example
 * ```ts ignore
 * for (const p of await listTransferPolicies(client)) console.log(p.zone);
 * ```
 */
export async function listTransferPolicies(client: SqlClient): Promise<TransferPolicy[]> {
  const r = await client.execute("SELECT * FROM zone_transfer ORDER BY zone");
  const out: TransferPolicy[] = [];
  for (let i = 0; i < r.rows.length; i++) out.push(rowToPolicy(r.rows[i]));
  return out;
}

/**
 * Stores (replaces) a zone's policy after {@linkcode normalizeTransferPolicy};
 * the zone must exist. Throws {@linkcode TransferPolicyError} on bad input,
 * leaving the store unchanged.
 *
 * @example
 * ```ts ignore
 * await putTransferPolicy(client, { zone: "example.com", allowKeys: ["xfr"], allowNets: [], notify: [] }, now);
 * ```
 */
export async function putTransferPolicy(
  client: SqlClient,
  policy: TransferPolicy,
  now: number,
): Promise<TransferPolicy> {
  const p = normalizeTransferPolicy(policy);
  const ins = await client.execute({
    sql: `INSERT INTO zone_transfer (zone, allow_keys, allow_nets, notify, updated_at)
            SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM zones WHERE name = ?)
            ON CONFLICT (zone) DO UPDATE SET allow_keys = excluded.allow_keys,
              allow_nets = excluded.allow_nets, notify = excluded.notify,
              updated_at = excluded.updated_at`,
    args: [
      p.zone,
      p.allowKeys.join("\n"),
      p.allowNets.join("\n"),
      p.notify.map((t) => `${t.address} ${t.port} ${t.key}`.trim()).join("\n"),
      Math.floor(now),
      p.zone,
    ],
  });
  if (ins.rowsAffected === 0) throw new TransferPolicyError("zone", `no such zone: ${p.zone}`);
  return p;
}

/**
 * Removes a zone's policy (transfers refused from then on); false when none.
 *
 * @example
 * ```ts ignore
 * await deleteTransferPolicy(client, "example.com");
 * ```
 */
export async function deleteTransferPolicy(client: SqlClient, zone: string): Promise<boolean> {
  const r = await client.execute({ sql: "DELETE FROM zone_transfer WHERE zone = ?", args: [zone] });
  return r.rowsAffected > 0;
}

/** Who asks for a transfer: the verified TSIG key (if signed) and the peer address. */
export interface TransferRequester {
  /** canonical name of the verified key; undefined for an unsigned request */
  keyName?: string;
  address: string;
}

/**
 * Whether `who` may transfer under `policy` (see the module doc for the rule).
 *
 * @example
 * ```ts
 * import { transferAllowed } from "./transfer_policy.ts";
 * const p = { zone: "example.com", allowKeys: ["xfr"], allowNets: [], notify: [] };
 * if (!transferAllowed(p, { keyName: "xfr", address: "192.0.2.1" })) throw new Error();
 * if (transferAllowed(p, { address: "192.0.2.1" })) throw new Error();
 * ```
 */
export function transferAllowed(
  policy: TransferPolicy | undefined,
  who: TransferRequester,
): boolean {
  if (!policy) return false;
  if (policy.allowKeys.length === 0 && policy.allowNets.length === 0) return false;
  if (policy.allowKeys.length > 0) {
    if (who.keyName === undefined || !policy.allowKeys.includes(canonicalName(who.keyName))) {
      return false;
    }
  }
  if (policy.allowNets.length > 0) {
    const nets = policy.allowNets.map(parseCidr).filter((c): c is Cidr => c !== null);
    if (!nets.some((c) => cidrContains(c, who.address))) return false;
  }
  return true;
}

function lines(v: unknown): string[] {
  return String(v ?? "").split("\n").filter((s) => s.length > 0);
}

function rowToPolicy(r: Record<string, unknown>): TransferPolicy {
  return {
    zone: String(r.zone),
    allowKeys: lines(r.allow_keys),
    allowNets: lines(r.allow_nets),
    notify: lines(r.notify).map((l) => {
      const [address, port, key] = l.split(" ");
      return { address, port: Number(port), key: key ?? "" };
    }),
  };
}
