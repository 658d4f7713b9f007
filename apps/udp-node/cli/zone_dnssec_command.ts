/**
 * `dmp zone sign ZONE [--algorithm 13|15]`, `dmp zone ds ZONE`,
 * `dmp zone dnssec-status ZONE`, `dmp zone rollover ZONE --zsk|--ksk` and
 * `dmp zone ds-seen ZONE KEYTAG` (issue 13): turn on online signing (a KSK
 * and a ZSK generated once and sealed in the database, so every node signs
 * with them), print the DS records to give the parent (digest type 2,
 * SHA-256, RFC 4509), show each key's state and next step, and roll keys
 * (`packages/core/dnssec/key_timeline.ts`).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig, rolloverTimings } from "../../../packages/core/config/env.ts";
import {
  confirmDsSeen,
  enableZoneSigning,
  type KeyChangeResult,
  listSigningKeys,
  readSigningKeys,
  type SigningKeyInfo,
  startRollover,
} from "../../../packages/core/store/dnssec_keys.ts";
import { inCds, keyState } from "../../../packages/core/dnssec/key_timeline.ts";
import { readZone } from "../../../packages/core/store/zones.ts";
import { canonicalName } from "../../../packages/core/wire/name.ts";
import { DNSSEC_ALGORITHM, importSigningKey } from "../../../packages/core/dnssec/signing_key.ts";
import { keyRecords } from "../../../packages/core/dnssec/key_records.ts";
import { openCliDatabase, resolveCliDatabase } from "./cli_database.ts";
import { redactDatabaseUrl } from "../database_url.ts";
import { loadSecretBox } from "../secret_key_file.ts";

/** Help text of the DNSSEC zone commands. */
export const ZONE_DNSSEC_HELP = `dmp zone sign ZONE [--algorithm 13|15]
dmp zone ds ZONE
dmp zone dnssec-status ZONE
dmp zone rollover ZONE --zsk|--ksk
dmp zone ds-seen ZONE KEYTAG

sign turns on online signing of ZONE (off by default): a KSK and a ZSK are generated once
(13 = ECDSA P-256 SHA-256, the default; 15 = Ed25519) and sealed in the database with the
TSIG sealing key, so every node signs with them. DO=1 queries then get RRSIGs,
DNSKEY/CDS/CDNSKEY at the apex and compact denial (RFC 9824). Running it again keeps the keys.
ds prints the DS records (SHA-256) the parent should hold now, and their DNSKEYs (trust anchors).
dnssec-status says whether ZONE is signed: each key's role, state and next step.
rollover --zsk rolls the ZSK by pre-publication; --ksk rolls the KSK by double-DS: publish the
new DS at the parent (dmp zone ds shows both), then confirm with ds-seen ZONE KEYTAG (unless
DMP_DNSSEC_DS_WAIT is set); remove the old DS once dmp zone ds no longer lists it. Waits come
from DMP_DNSSEC_DNSKEY_TTL, DMP_DNSSEC_MAX_ZONE_TTL, DMP_DNSSEC_PROPAGATION_DELAY and
DMP_DNSSEC_PARENT_DS_TTL. One rollover at a time per zone.`;

/** Output sinks handed in by the CLI. */
export interface ZoneDnssecIo {
  out(s: string): void;
  err(s: string): void;
}

/** Runs `dmp zone sign|ds|dnssec-status …`; returns the exit code. */
export async function cmdZoneDnssec(
  sub: "sign" | "ds" | "dnssec-status" | "rollover" | "ds-seen",
  args: string[],
  env: Record<string, string | undefined>,
  io: ZoneDnssecIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      db: { type: "string" },
      algorithm: { type: "string" },
      zsk: { type: "boolean" },
      ksk: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(ZONE_DNSSEC_HELP);
    return 0;
  }
  const want = sub === "ds-seen" ? 2 : 1;
  if (positionals.length !== want) {
    io.err(
      `dmp zone ${sub}: ${
        want === 2 ? "ZONE and KEYTAG are" : "exactly one ZONE is"
      } required\n\n${ZONE_DNSSEC_HELP}`,
    );
    return 2;
  }
  if ((values.zsk || values.ksk) && sub !== "rollover") {
    io.err(`dmp zone ${sub}: --zsk and --ksk apply to dmp zone rollover only`);
    return 2;
  }
  if (sub === "rollover" && values.zsk === values.ksk) {
    io.err(
      "dmp zone rollover: give exactly one of --zsk (zone-signing key) or --ksk (key-signing key)",
    );
    return 2;
  }
  const tagText = positionals[1];
  if (sub === "ds-seen" && (!/^\d{1,5}$/.test(tagText) || Number(tagText) > 65535)) {
    io.err(`dmp zone ds-seen: KEYTAG ${tagText}: expected a key tag, 0 to 65535`);
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
      for (const line of statusLines(keys, Date.now() / 1000)) io.out(line);
      return 0;
    }
    const config = loadConfig(chosen.env);
    if (sub === "ds-seen") {
      return report(
        io,
        sub,
        await confirmDsSeen(
          client,
          zone,
          Number(tagText),
          Date.now() / 1000,
          rolloverTimings(config),
        ),
      );
    }
    const box = await loadSecretBox(config);
    if (!box) {
      io.err(
        `dmp zone ${sub}: DMP_TSIG_SECRET_KEY is required for ${
          redactDatabaseUrl(chosen.url)
        }: DNSSEC keys are sealed with the edge's sealing key`,
      );
      return 2;
    }
    if (sub === "sign") {
      const { keys, created } = await enableZoneSigning(
        client,
        box,
        zone,
        algorithm,
        Date.now() / 1000,
      );
      const tags = keys.map((k) => `key ${k.keyTag} algorithm ${k.algorithm} (${roleName(k)})`);
      io.out(
        created
          ? `zone ${zone}: signing on, ${tags.join(", ")}`
          : `zone ${zone}: already signed, ${tags.join(", ")} kept`,
      );
      io.out(`publish the DS at the parent: dmp zone ds ${zone}`);
      return 0;
    }
    if (sub === "rollover") {
      const kind = values.zsk ? "zsk" : "ksk";
      const r = await startRollover(
        client,
        box,
        zone,
        kind,
        Date.now() / 1000,
        rolloverTimings(config),
      );
      return report(io, sub, r);
    }
    const now = Date.now() / 1000;
    const { keys } = await readSigningKeys(client, box);
    const parentSet = keys.filter((k) => k.zone === zone && inCds(k.times, now));
    if (parentSet.length === 0) {
      io.err(
        `dmp zone ds: ${zone} is not signed (or its keys cannot be opened with this sealing key)`,
      );
      return 1;
    }
    // The DS set the parent should hold now (during a KSK rollover, old and new), then the DNSKEYs.
    const records = [];
    for (const k of parentSet) {
      records.push(await keyRecords(zone, await importSigningKey(k), config.DMP_DNSSEC_DNSKEY_TTL));
    }
    for (const r of records) io.out(r.ds);
    for (const r of records) io.out(r.dnskey);
    return 0;
  } finally {
    client.close();
  }
}

function roleName(k: SigningKeyInfo): string {
  return k.times.role.toUpperCase();
}

function at(t: number): string {
  return new Date(t * 1000).toISOString();
}

/** One line per key: tag, algorithm, flags, role, state, what it signs, next step and when. */
export function statusLines(keys: readonly SigningKeyInfo[], now: number): string[] {
  return keys.map((k) => {
    const s = keyState(k.times, now);
    const signs = s.signs.length > 0 ? ` signs ${s.signs.join("+")}` : "";
    const next = s.next
      ? `; next: ${s.next.step}${s.next.at === null ? "" : ` at ${at(s.next.at)}`}`
      : "";
    return `  key ${k.keyTag} algorithm ${k.algorithm} flags ${k.flags} (${
      roleName(k)
    }) ${s.state}${signs} created ${at(k.createdAt)}${next}`;
  });
}

function report(io: ZoneDnssecIo, sub: string, r: KeyChangeResult): number {
  if (!r.ok) {
    io.err(`dmp zone ${sub}: ${r.error}`);
    return 1;
  }
  const zone = r.keys[0]?.zone ?? "";
  io.out(
    sub === "rollover"
      ? `zone ${zone}: rollover started, new key ${r.keyTag}`
      : `zone ${zone}: DS of key ${r.keyTag} seen at the parent`,
  );
  for (const line of statusLines(r.keys, Date.now() / 1000)) io.out(line);
  return 0;
}
