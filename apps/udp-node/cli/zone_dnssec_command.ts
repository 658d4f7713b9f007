/**
 * `dmp zone sign ZONE [--algorithm 13|15]`, `dmp zone ds ZONE` and
 * `dmp zone dnssec-status ZONE` (issue 13): turn on online signing (a key is
 * generated once and sealed in the database, so every node signs with it),
 * print the DS record to give the parent (digest type 2, SHA-256, RFC 4509),
 * and show a zone's signing state.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig } from "../../../packages/core/config/env.ts";
import {
  enableZoneSigning,
  listSigningKeys,
  readSigningKeys,
} from "../../../packages/core/store/dnssec_keys.ts";
import { readZone } from "../../../packages/core/store/zones.ts";
import { canonicalName } from "../../../packages/core/wire/name.ts";
import { DNSSEC_ALGORITHM, importSigningKey } from "../../../packages/core/dnssec/signing_key.ts";
import { keyRecords } from "../../../packages/core/dnssec/key_records.ts";
import { openCliDatabase, resolveCliDatabase } from "./cli_database.ts";
import { redactDatabaseUrl } from "../db_client.ts";
import { loadSecretBox } from "../secret_key_file.ts";

/** Help text of the DNSSEC zone commands. */
export const ZONE_DNSSEC_HELP = `dmp zone sign ZONE [--algorithm 13|15]
dmp zone ds ZONE
dmp zone dnssec-status ZONE

sign turns on online signing of ZONE (off by default): a key is generated once (13 =
ECDSA P-256 SHA-256, the default; 15 = Ed25519) and sealed in the database with the TSIG
sealing key, so every node signs with it. DO=1 queries then get RRSIGs, DNSKEY/CDS/CDNSKEY
at the apex and compact denial (RFC 9824). Running it again keeps the existing key.
ds prints the DS record (SHA-256) to publish at the parent, and the DNSKEY as a trust anchor.
dnssec-status says whether ZONE is signed, with which key.`;

/** Output sinks handed in by the CLI. */
export interface ZoneDnssecIo {
  out(s: string): void;
  err(s: string): void;
}

/** Runs `dmp zone sign|ds|dnssec-status …`; returns the exit code. */
export async function cmdZoneDnssec(
  sub: "sign" | "ds" | "dnssec-status",
  args: string[],
  env: Record<string, string | undefined>,
  io: ZoneDnssecIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      db: { type: "string" },
      algorithm: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(ZONE_DNSSEC_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`dmp zone ${sub}: exactly one ZONE is required\n\n${ZONE_DNSSEC_HELP}`);
    return 2;
  }
  if (values.algorithm !== undefined && sub !== "sign") {
    io.err(`dmp zone ${sub}: --algorithm applies to dmp zone sign only`);
    return 2;
  }
  const algorithm = Number(values.algorithm ?? DNSSEC_ALGORITHM.ECDSAP256SHA256);
  if (algorithm !== DNSSEC_ALGORITHM.ECDSAP256SHA256 && algorithm !== DNSSEC_ALGORITHM.ED25519) {
    io.err(
      `dmp zone sign: --algorithm ${values.algorithm}: expected 13 (ECDSA P-256) or 15 (Ed25519)`,
    );
    return 2;
  }
  const zone = canonicalName(positionals[0]);
  const chosen = resolveCliDatabase(env, values.db, process.cwd());
  io.err(`dmp: database ${redactDatabaseUrl(chosen.url)} (${chosen.source})`);
  const { client } = await openCliDatabase(chosen);
  try {
    if (!(await readZone(client, zone))) {
      io.err(`dmp zone ${sub}: no zone ${zone}`);
      return 1;
    }
    if (sub === "dnssec-status") {
      const keys = await listSigningKeys(client, zone);
      if (keys.length === 0) {
        io.out(`zone ${zone}: not signed (dmp zone sign ${zone})`);
        return 0;
      }
      io.out(`zone ${zone}: signed online, compact denial (RFC 9824 NSEC)`);
      for (const k of keys) {
        io.out(
          `  key ${k.keyTag} algorithm ${k.algorithm} flags ${k.flags} (CSK) created ${
            new Date(k.createdAt * 1000).toISOString()
          }`,
        );
      }
      return 0;
    }
    const box = await loadSecretBox(loadConfig(chosen.env));
    if (!box) {
      io.err(
        `dmp zone ${sub}: DMP_TSIG_SECRET_KEY is required for ${
          redactDatabaseUrl(chosen.url)
        }: DNSSEC keys are sealed with the edge's sealing key`,
      );
      return 2;
    }
    if (sub === "sign") {
      const { key, created } = await enableZoneSigning(
        client,
        box,
        zone,
        algorithm,
        Date.now() / 1000,
      );
      io.out(
        created
          ? `zone ${zone}: signing on, key ${key.keyTag} algorithm ${key.algorithm}`
          : `zone ${zone}: already signed, key ${key.keyTag} algorithm ${key.algorithm} kept`,
      );
      io.out(`publish the DS at the parent: dmp zone ds ${zone}`);
      return 0;
    }
    const { keys } = await readSigningKeys(client, box);
    const stored = keys.find((k) => k.zone === zone);
    if (!stored) {
      io.err(
        `dmp zone ds: ${zone} is not signed (or its key cannot be opened with this sealing key)`,
      );
      return 1;
    }
    const { ds, dnskey } = await keyRecords(zone, await importSigningKey(stored));
    io.out(ds);
    io.out(dnskey);
    return 0;
  } finally {
    client.close();
  }
}
