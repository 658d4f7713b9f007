/**
 * `dmp zone transfer ZONE`: who may AXFR/IXFR a zone and which secondaries
 * are sent NOTIFY (issue 16). Without options it prints the stored policy;
 * with options it replaces it whole (so running the same command twice is
 * harmless); `--off` removes it, after which every transfer is refused.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import {
  deleteTransferPolicy,
  parseNotifyTarget,
  putTransferPolicy,
  readTransferPolicy,
  type TransferPolicy,
  TransferPolicyError,
} from "../../../packages/core/store/transfer_policy.ts";
import { listTsigKeys } from "../../../packages/core/store/tsig_keys.ts";
import { canonicalName } from "../../../packages/core/wire/name.ts";
import { openDatabase } from "../db_client.ts";

/** Help text of `dmp zone transfer`. */
export const ZONE_TRANSFER_HELP =
  `dmp zone transfer ZONE [--allow-key NAME]... [--allow-net CIDR]... [--notify ADDR[:PORT][@KEY]]...
dmp zone transfer ZONE --off
dmp zone transfer ZONE

Sets who may transfer ZONE (AXFR/IXFR over TCP) and which secondaries get NOTIFY on every
serial change. The options replace the stored policy. With both --allow-key and --allow-net
a request needs a listed key AND a listed source network. Without any policy (or after
--off) every transfer is refused. --notify takes an IP address (IPv6 in brackets when a port
follows), port 53 by default, and the TSIG key to sign NOTIFY with after @.`;

/** Output sinks handed in by the CLI. */
export interface ZoneTransferIo {
  out(s: string): void;
  err(s: string): void;
}

/** Runs `dmp zone transfer …`; returns the exit code. */
export async function cmdZoneTransfer(
  args: string[],
  env: Record<string, string | undefined>,
  io: ZoneTransferIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      db: { type: "string" },
      "allow-key": { type: "string", multiple: true },
      "allow-net": { type: "string", multiple: true },
      notify: { type: "string", multiple: true },
      off: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(ZONE_TRANSFER_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`dmp zone transfer: exactly one ZONE is required\n\n${ZONE_TRANSFER_HELP}`);
    return 2;
  }
  const zone = canonicalName(positionals[0]);
  const notify = [];
  for (const t of values.notify ?? []) {
    const parsed = parseNotifyTarget(t);
    if (!parsed) {
      io.err(`dmp zone transfer: --notify ${t}: expected ADDR[:PORT][@KEY] with an IP address`);
      return 2;
    }
    notify.push(parsed);
  }
  const setting = values["allow-key"] || values["allow-net"] || values.notify;
  if (values.off && setting) {
    io.err("dmp zone transfer: --off cannot be combined with other options");
    return 2;
  }
  const config = loadConfig(values.db ? { ...env, DMP_DB_URL: values.db } : env);
  const { client } = await openDatabase(config);
  try {
    await migrate(client);
    if (values.off) {
      const had = await deleteTransferPolicy(client, zone);
      io.out(had ? `transfers of ${zone} turned off` : `no transfer policy for ${zone}`);
      return 0;
    }
    if (!setting) {
      const p = await readTransferPolicy(client, zone);
      io.out(p ? describe(p) : `no transfer policy for ${zone}: transfers are refused`);
      return 0;
    }
    let saved: TransferPolicy;
    try {
      saved = await putTransferPolicy(client, {
        zone,
        allowKeys: values["allow-key"] ?? [],
        allowNets: values["allow-net"] ?? [],
        notify,
      }, Date.now() / 1000);
    } catch (e) {
      if (e instanceof TransferPolicyError) {
        io.err(`dmp zone transfer: ${e.message}`);
        return e.field === "zone" ? 1 : 2;
      }
      throw e;
    }
    // A key named here may be imported later; say so rather than refuse.
    const known = new Set((await listTsigKeys(client)).map((k) => k.name));
    const keys = [...saved.allowKeys, ...saved.notify.map((t) => t.key).filter((k) => k !== "")];
    for (const k of new Set(keys)) {
      if (!known.has(k)) io.err(`warning: no TSIG key named ${k} yet (dmp key import / create)`);
    }
    io.out(describe(saved));
    return 0;
  } finally {
    client.close();
  }
}

function describe(p: TransferPolicy): string {
  const notify = p.notify.map((t) =>
    `${t.address.includes(":") ? `[${t.address}]` : t.address}:${t.port}${t.key ? "@" + t.key : ""}`
  );
  return [
    `zone ${p.zone}`,
    `  allow-key: ${p.allowKeys.join(" ") || "-"}`,
    `  allow-net: ${p.allowNets.join(" ") || "-"}`,
    `  notify:    ${notify.join(" ") || "-"}`,
  ].join("\n");
}
