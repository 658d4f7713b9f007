/**
 * `dmp`: the operator command line. Every subcommand takes the database from
 * `--db URL` or the environment (DMP_DB_URL / DMP_DB_PATH) and has `--help`.
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ConfigError, loadConfig, unknownDmpVariables } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import {
  applyRecordChanges,
  isValueCapViolation,
  readRecordsByName,
  readZoneRecords,
} from "../../../packages/core/store/records.ts";
import {
  deleteZone,
  listZones,
  readZone,
  zoneUpsertStatements,
} from "../../../packages/core/store/zones.ts";
import { importZone, ZoneImportError } from "../../../packages/core/store/zone_import.ts";
import { exportZoneText, recordLine } from "../../../packages/core/zone/master_file_export.ts";
import { isSerialPolicy, SERIAL_POLICY_EXPECTED } from "../../../packages/core/zone/serial.ts";
import { canonicalName, isInZone, isValidOwnerName } from "../../../packages/core/wire/name.ts";
import { TYPE, typeCode, typeName } from "../../../packages/core/wire/constants.ts";
import { encodeRdata } from "../../../packages/core/wire/rdata.ts";
import { isStorableType } from "../../../packages/core/wire/rdata_fields.ts";
import { parseMasterFile } from "../../../packages/core/zone/master_file.ts";
import { canonicalRecordValue } from "../../../packages/core/zone/record_value.ts";
import { canonicalHostName, HOST_NAME_EXPECTED } from "../../../packages/core/values/host_name.ts";
import { IPV4_EXPECTED, parseIpv4 } from "../../../packages/core/values/ipv4.ts";
import { canonicalIpv6, IPV6_EXPECTED } from "../../../packages/core/values/ipv6.ts";
import { isLifetimeSeconds, LIFETIME_EXPECTED } from "../../../packages/core/values/lifetime.ts";
import { parseTtl, TTL_EXPECTED } from "../../../packages/core/values/ttl.ts";
import { startNode } from "../main.ts";
import { ListenError } from "../transports/listen_error.ts";
import { ProgressMeter } from "../progress_meter.ts";
import { DatabaseOpenError, openForCommand } from "./cli_database.ts";

type Env = Record<string, string | undefined>;

const HELP: Record<string, string> = {
  main: `dmp — operate a dmp-edge node

Usage: dmp <command> [options]

Commands:
  node              start a udp-node (authoritative DNS over UDP and TCP)
  start             start the local stack (edge API + udp-node on one file database)
  zone add|list|delete|import|export|transfer|sign|ds|dnssec-status|rollover|ds-seen   manage zones
  record add|list|delete        manage records
  key create|import|list|revoke manage TSIG keys

Every command accepts --help, and --db URL; without --db, DMP_DB_URL or DMP_DB_PATH, a
command run inside a checkout opens the local stack's database (.data/, or DMP_DATA_DIR)
with its TSIG sealing key. The database opened is said on stderr.`,
  node: `dmp node [--db URL] [--host HOST] [--port PORT] [--quiet]

Starts a udp-node. Settings come from DMP_* environment variables; the flags override
DMP_DB_URL, DMP_DNS_HOST and DMP_DNS_PORT. Loading shows progress on stderr when it takes
over a second and stderr is a terminal, unless --quiet. Stops cleanly on SIGTERM/SIGINT.`,
  zone: `dmp zone add NAME [--ns HOST]... [--a IPV4] [--aaaa IPV6] [--rname NAME] [--ttl N]
             [--serial-policy increment|unixtime|dateserial] [--update]
    a zone that exists is refused unless --update (then the options given change it)
dmp zone list [--json]
dmp zone delete NAME
dmp zone import NAME FILE [--replace] [--serial-policy POLICY] [--quiet]
    read an RFC 1035 master file ($ORIGIN, $TTL, $INCLUDE, $GENERATE) into zone NAME, all
    or nothing, keeping its SOA serial; merges into the zone, or with --replace makes the
    zone data exactly the file's (only the records that differ are written or deleted);
    progress on stderr when it takes over a second on a terminal, unless --quiet
dmp zone export NAME
    print the zone as a master file that imports back to the same zone
dmp zone transfer NAME [--allow-key KEY]... [--allow-net CIDR]... [--notify ADDR[:PORT][@KEY]]... | --off
    who may AXFR/IXFR the zone, and the secondaries sent NOTIFY
dmp zone sign NAME [--algorithm 13|15]
    turn on DNSSEC online signing (ECDSA P-256 by default, Ed25519 with 15)
dmp zone ds NAME
    the DS record to give the parent (SHA-256) and the DNSKEY
dmp zone dnssec-status NAME
    whether the zone is signed: each key's role, state and next step
dmp zone rollover NAME --zsk|--ksk
    roll the ZSK (pre-publication) or the KSK (double-DS); timings from DMP_DNSSEC_*
dmp zone ds-seen NAME KEYTAG
    the parent serves the new KSK's DS: the KSK rollover goes on`,
  record: `dmp record add NAME TYPE VALUE [--ttl N] [--lifetime SECONDS]
dmp record list ZONE|NAME [--json]       master-file lines that dmp zone import reads back
dmp record delete NAME TYPE [VALUE]      exit status 1 when nothing matched

TYPE is any record type but SOA (A AAAA NS CNAME MX SRV CAA TXT SPF PTR HINFO NAPTR DS
SSHFP DNSKEY TLSA SMIMEA OPENPGPKEY URI CERT DNAME SVCB HTTPS LOC), or TYPEnnn with
VALUE '\\# <length> <hex>' (RFC 3597).
NAME must lie in an existing zone.`,
  key: `dmp key create NAME --scope SUFFIX|acme:ZONE[,...] [--algorithm hmac-sha256]
dmp key import NAME --secret BASE64 [--algorithm hmac-sha256] [--scope SUFFIX,...] [--replace]
dmp key import --file tsig.key [--scope SUFFIX,...] [--replace]   (BIND key "name" { ... }; file)
dmp key list [--json]
dmp key revoke NAME

The secret is sealed with the key of the database's edge (DMP_TSIG_SECRET_KEY; the local
stack's .data/tsig-sealing.key is found by itself). Imported secrets are sealed like minted
ones and never printed. Without --scope an imported key signs zone transfers and NOTIFY only.
--scope acme:ZONE makes an ACME DNS-01 key: TXT at _acme-challenge.ZONE and
_acme-challenge.NAME.ZONE only, adds and deletes (lego, certbot-dns-rfc2136, acme.sh).`,
};

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[], env: Env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    out(HELP.main);
    return command ? 0 : 2;
  }
  // `dmp … | head`: a closed pipe ends the output, not the process with a stack trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  // Help at any level, before any option parsing or database: `dmp zone --help`.
  if (HELP[command] && (rest.includes("--help") || rest.includes("-h"))) {
    out(HELP[command]);
    return 0;
  }
  try {
    switch (command) {
      case "node":
        return await cmdNode(rest, env);
      case "zone":
        return await cmdZone(rest, env);
      case "record":
        return await cmdRecord(rest, env);
      case "key": {
        const { cmdKey } = await import("./key_command.ts");
        return await cmdKey(rest, env, { out, err, helpText: HELP.key });
      }
      case "start": {
        const { cmdStart } = await import("./start_command.ts");
        return await cmdStart(rest, env);
      }
      default:
        err(`dmp: unknown command "${command}"\n\n${HELP.main}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`dmp: ${e.message}`);
      return 2;
    }
    if (e instanceof ListenError) {
      // Fatal: a node that cannot bind must not look up to its supervisor.
      err(`dmp ${command}: ${e.message}`);
      return 1;
    }
    if (e instanceof DatabaseOpenError) {
      err(`dmp ${command}: ${e.message}`);
      return 1;
    }
    err(`dmp: ${(e as Error).message ?? e}`);
    return 1;
  }
}

function out(s: string): void {
  process.stdout.write(s + "\n");
}
function err(s: string): void {
  process.stderr.write(s + "\n");
}

const COMMON = {
  db: { type: "string" },
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

function parse<const T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  return parseArgs({
    args,
    options: { ...options, ...COMMON },
    allowPositionals: true,
    strict: true,
  });
}

/** Prints rows as one JSON array, or as tab-separated lines. */
function printRows<T>(rows: T[], json: boolean | undefined, line: (r: T) => string): void {
  if (json) out(JSON.stringify(rows, null, 2));
  else for (const r of rows) out(line(r));
}

async function cmdNode(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { host: { type: "string" }, port: { type: "string" } });
  if (values.help) {
    out(HELP.node);
    return 0;
  }
  const merged: Env = { ...env };
  if (values.db) merged.DMP_DB_URL = values.db;
  if (values.host) merged.DMP_DNS_HOST = values.host;
  if (values.port) merged.DMP_DNS_PORT = values.port;
  const config = loadConfig(merged);
  const logger = createLogger({
    name: "dmp.node",
    level: config.DMP_LOG_LEVEL,
    format: config.DMP_LOG_FORMAT,
    sink: (l) => process.stdout.write(l + "\n"),
  });
  for (const name of unknownDmpVariables(env)) {
    logger.warn(`unsupported variable ${name} is ignored`);
  }
  const node = await startNode(config, logger, {
    progress: { sink: process.stderr, quiet: values.quiet },
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await node.stop();
  return 0;
}

async function cmdZone(args: string[], env: Env): Promise<number> {
  const [sub, ...rest] = args;
  if (
    sub === "sign" || sub === "ds" || sub === "dnssec-status" || sub === "rollover" ||
    sub === "ds-seen"
  ) {
    const { cmdZoneDnssec } = await import("./zone_dnssec_command.ts");
    return await cmdZoneDnssec(sub, rest, env, { out, err });
  }
  if (sub === "transfer") {
    const { cmdZoneTransfer } = await import("./zone_transfer_command.ts");
    return await cmdZoneTransfer(rest, env, { out, err });
  }
  const { values, positionals } = parse(rest, {
    ns: { type: "string", multiple: true },
    a: { type: "string", multiple: true },
    aaaa: { type: "string", multiple: true },
    rname: { type: "string" },
    ttl: { type: "string" },
    "serial-policy": { type: "string" },
    update: { type: "boolean" },
    replace: { type: "boolean" },
  });
  if (values.help || !sub) {
    out(HELP.zone);
    return sub ? 0 : 2;
  }
  const now = Date.now() / 1000;
  if (sub === "list") {
    const { client } = await openForCommand(env, values.db);
    try {
      printRows(
        await listZones(client),
        values.json,
        (z) => `${z.name}\tserial=${z.serial}\tpolicy=${z.serialPolicy}`,
      );
    } finally {
      client.close();
    }
    return 0;
  }
  const name = positionals[0] ? canonicalName(positionals[0]) : "";
  if (!name || !isValidOwnerName(name)) {
    err(`dmp zone ${sub}: a valid zone NAME is required`);
    return 2;
  }
  // Every flag value goes through the core validator of its kind (issue 10), before any
  // database is opened, so a typo is a usage error (2) naming the flag and nothing changes.
  const flags: string[] = [];
  const check = <T>(flag: string, text: string, parsed: T | null, expected: string): T => {
    if (parsed === null) flags.push(`${flag} ${JSON.stringify(text)}: ${expected}`);
    return parsed as T;
  };
  const apexA = (values.a ?? []).map((v) => check("--a", v, parseIpv4(v) && v, IPV4_EXPECTED));
  const apexAaaa = (values.aaaa ?? []).map((v) =>
    check("--aaaa", v, canonicalIpv6(v), IPV6_EXPECTED)
  );
  const ns = (values.ns ?? []).map((v) =>
    check("--ns", v, canonicalHostName(v), HOST_NAME_EXPECTED)
  );
  const rname = values.rname === undefined
    ? ""
    : check("--rname", values.rname, canonicalHostName(values.rname), HOST_NAME_EXPECTED);
  const apexTtl = values.ttl === undefined
    ? undefined
    : check("--ttl", values.ttl, parseTtl(values.ttl), TTL_EXPECTED);
  const serialPolicy = values["serial-policy"] === undefined ? undefined : check(
    "--serial-policy",
    values["serial-policy"],
    isSerialPolicy(values["serial-policy"]) ? values["serial-policy"] : null,
    SERIAL_POLICY_EXPECTED,
  );
  if ((sub === "add" || sub === "import") && flags.length) {
    for (const f of flags) err(`dmp zone ${sub}: ${f}`);
    return 2;
  }
  const handle = await openForCommand(env, values.db);
  const { client } = handle;
  try {
    if (sub === "add") {
      const existing = await readZone(client, name);
      if (!values.update && existing) {
        err(
          `dmp zone add: zone ${name} exists; pass --update to change its settings ` +
            "(the apex records, RNAME and serial policy given on the command line)",
        );
        return 1;
      }
      // --update changes what the command line gives; the SOA fields it does not name stay.
      // Without it, a guard in the same transaction refuses a zone created meanwhile.
      const guard = {
        sql:
          "INSERT INTO write_guard (excess) SELECT 1 WHERE EXISTS (SELECT 1 FROM zones WHERE name = ?)",
        args: [name],
      };
      await client.batch([
        ...(values.update ? [] : [guard]),
        ...zoneUpsertStatements({
          serialPolicy,
          name,
          soaMname: existing?.soaMname,
          soaRname: rname || existing?.soaRname,
          soaRefresh: existing?.soaRefresh,
          soaRetry: existing?.soaRetry,
          soaExpire: existing?.soaExpire,
          soaMinimum: existing?.soaMinimum,
          apexNs: ns.length ? ns : undefined,
          apexA: values.a ? apexA : undefined,
          apexAaaa: values.aaaa ? apexAaaa : undefined,
          apexTtl,
        }, now),
      ], "write").catch((e) => {
        throw isValueCapViolation(e) ? new Error(`zone ${name} was created meanwhile`) : e;
      });
      out(`zone ${name} saved`);
      return 0;
    }
    if (sub === "delete") {
      if (!(await deleteZone(client, name, now))) {
        err(`dmp zone delete: no zone ${name}`);
        return 1;
      }
      out(`zone ${name} deleted`);
      return 0;
    }
    if (sub === "import") {
      const file = positionals[1];
      if (!file) {
        err("dmp zone import: FILE is required");
        return 2;
      }
      const parsed = parseMasterFile(readFileSync(file, "utf8"), {
        origin: name,
        include: includeReader(file),
        // The import needs only the strings' lengths (the split), not a byte array per record.
        txtLengthsOnly: true,
      });
      if (!parsed.ok) {
        err(`dmp zone import: ${file}: ${parsed.error}`);
        return 1;
      }
      const meter = new ProgressMeter({
        label: `importing ${name}`,
        unit: "records",
        total: parsed.records.length,
        sink: process.stderr,
        quiet: values.quiet,
      });
      let result;
      // A file: database gets the prepared-statement writer (bounded memory, import_writer.ts).
      const writer = handle.kind === "file"
        ? (await import("./import_writer.ts")).openImportWriter(handle.url)
        : undefined;
      try {
        result = await importZone(client, name, parsed.records, {
          now,
          replace: values.replace,
          serialPolicy,
          writer,
          onProgress: (done, total) =>
            meter.update(Math.round(parsed.records.length * done / total)),
        });
      } catch (e) {
        if (!(e instanceof ZoneImportError)) throw e;
        err(`dmp zone import: ${file}: ${e.message}`);
        return 1;
      } finally {
        writer?.close();
      }
      meter.finish();
      out(
        `zone ${name}: imported ${parsed.records.length} records (${result.added} written, ` +
          `${result.deleted} deleted, ${result.unchanged} unchanged), serial ${result.serial}`,
      );
      return 0;
    }
    if (sub === "export") {
      const zone = await readZone(client, name);
      if (!zone) {
        err(`dmp zone export: no zone ${name} (see dmp zone list)`);
        return 1;
      }
      process.stdout.write(exportZoneText(zone, await readZoneRecords(client, name, now)));
      return 0;
    }
    err(`dmp zone: unknown subcommand "${sub}"\n\n${HELP.zone}`);
    return 2;
  } finally {
    client.close();
  }
}

async function cmdRecord(args: string[], env: Env): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    ttl: { type: "string" },
    lifetime: { type: "string" },
  });
  if (values.help || !sub) {
    out(HELP.record);
    return sub ? 0 : 2;
  }
  const now = Date.now() / 1000;
  const { client } = await openForCommand(env, values.db);
  try {
    const name = positionals[0] ? canonicalName(positionals[0]) : "";
    if (!name || !isValidOwnerName(name)) {
      err(`dmp record ${sub}: a valid NAME is required`);
      return 2;
    }
    const zones = await listZones(client);
    const zone = zones.map((z) =>
      z.name
    ).filter((z) => isInZone(name, z)).sort((a, b) => b.length - a.length)[0];
    if (sub === "list") {
      if (!zone) {
        err(`dmp record list: no zone ${name}, nor a zone holding it (see dmp zone list)`);
        return 1;
      }
      const rows = zone === name
        ? await readZoneRecords(client, name, now)
        : await readRecordsByName(client, [name], now);
      // Master-file lines, fully qualified, that `dmp zone import` reads back unchanged;
      // records with a DMP lifetime are commented out with their expiry (master_file_export.ts).
      printRows(rows, values.json, recordLine);
      return 0;
    }
    if (!zone) {
      err(`dmp record ${sub}: ${name} is not in any zone (see dmp zone list)`);
      return 1;
    }
    // A mnemonic or TYPEnnn (RFC 3597 §5), stored under the mnemonic when there is one.
    const code = typeCode(positionals[1] ?? "");
    const type = code === undefined ? "" : typeName(code);
    if (code === undefined || code === TYPE.SOA || !isStorableType(code)) {
      err(`dmp record ${sub}: TYPE must be a record type (A, MX, DS, TYPE65534, …); not SOA`);
      return 2;
    }
    if (sub === "add") {
      const value = positionals.slice(2).join(" ");
      // Non-TXT values are read like a master file's (the operator API does the same), and
      // stored canonical; TXT (and SPF) values are the text as given.
      const read = type === "TXT" || type === "SPF"
        ? { ok: true as const, value }
        : canonicalRecordValue(type, value);
      if (!read.ok || !encodeRdata(code, read.value)) {
        const why = read.ok ? "" : `: ${read.error}`;
        err(`dmp record add: "${value}" is not a valid ${type} value${why}`);
        return 2;
      }
      const normalized = read.value;
      const ttl = values.ttl === undefined ? 3600 : parseTtl(values.ttl);
      if (ttl === null) {
        err(`dmp record add: --ttl ${JSON.stringify(values.ttl)}: ${TTL_EXPECTED}`);
        return 2;
      }
      const lifetime = values.lifetime === undefined ? 0 : Number(values.lifetime);
      if (!/^[0-9]+$/.test(values.lifetime ?? "0") || !isLifetimeSeconds(lifetime)) {
        err(`dmp record add: --lifetime ${JSON.stringify(values.lifetime)}: ${LIFETIME_EXPECTED}`);
        return 2;
      }
      await applyRecordChanges(client, [{
        op: "add",
        zone,
        name,
        type,
        value: normalized,
        ttl,
        lifetime,
      }], { now });
      out(`added ${name} ${type}`);
      return 0;
    }
    if (sub === "delete") {
      const value = positionals.slice(2).join(" ");
      // The stored spelling is canonical, so the value to delete is read the same way.
      const read = !value || type === "TXT" || type === "SPF"
        ? { ok: true as const, value }
        : canonicalRecordValue(type, value);
      if (!read.ok) {
        err(`dmp record delete: "${value}" is not a valid ${type} value: ${read.error}`);
        return 2;
      }
      const existing = (await readRecordsByName(client, [name], now)).filter((r) =>
        r.type === type && (!value || r.value === read.value)
      );
      if (existing.length === 0) {
        err(
          `dmp record delete: nothing to delete: no ${type} record${
            value ? ` "${value}"` : ""
          } at ${name}`,
        );
        return 1;
      }
      await applyRecordChanges(client, [
        value
          ? { op: "delete_value", zone, name, type, value: read.value }
          : { op: "delete_rrset", zone, name, type },
      ], { now });
      out(`deleted ${name} ${type}${value ? " " + value : ""}`);
      return 0;
    }
    err(`dmp record: unknown subcommand "${sub}"\n\n${HELP.record}`);
    return 2;
  } finally {
    client.close();
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}

/**
 * `$INCLUDE` for a file on disk: relative paths are relative to the including
 * file's directory (RFC 1035 §5.1 leaves it open; BIND and NSD resolve them
 * against the working directory, which breaks when the file moves).
 */
function includeReader(from: string) {
  return (path: string, including: string | undefined) => {
    const base = dirname(including ?? from);
    const full = resolve(base, path);
    return { path: full, text: readFileSync(full, "utf8") };
  };
}
