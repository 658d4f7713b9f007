/**
 * `dmp key create|import|list|revoke`: TSIG keys for operators and their tools (for
 * example ACME DNS-01 clients). A key whose scope is the whole zone may write
 * A, AAAA, CNAME, MX, SRV, CAA, NS and TXT; narrower keys write TXT only; an
 * `acme:ZONE` key writes TXT at `_acme-challenge` names of ZONE only.
 * The secret is printed once, at creation.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { listTsigKeys, putTsigKey, revokeTsigKey } from "../../../packages/core/store/tsig_keys.ts";
import { tsigAlgorithm } from "../../../packages/core/tsig/algorithm.ts";
import { encodeBase64 } from "../../../packages/core/dmp/base64_strict.ts";
import { canonicalName, isValidOwnerName } from "../../../packages/core/wire/name.ts";
import { parseScopeList } from "../../../packages/core/update/acme_scope.ts";
import { openCliDatabase, resolveCliDatabase } from "./cli_database.ts";
import { redactDatabaseUrl } from "../database_url.ts";
import { loadSecretBox } from "../secret_key_file.ts";

/** Output sinks and help text handed in by the CLI. */
export interface KeyCommandIo {
  out(s: string): void;
  err(s: string): void;
  helpText: string;
}

/** Runs `dmp key …`. */
export async function cmdKey(
  args: string[],
  env: Record<string, string | undefined>,
  io: KeyCommandIo,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      db: { type: "string" },
      scope: { type: "string" },
      algorithm: { type: "string" },
      "expires-in": { type: "string" },
      secret: { type: "string" },
      file: { type: "string" },
      replace: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (!sub || values.help) {
    io.out(io.helpText);
    return sub ? 0 : 2;
  }
  const chosen = resolveCliDatabase(env, values.db, process.cwd());
  io.err(`dmp: database ${redactDatabaseUrl(chosen.url)} (${chosen.source})`);
  const { client } = await openCliDatabase(chosen);
  const config = loadConfig(chosen.env);
  try {
    const now = Date.now() / 1000;
    if (sub === "list") {
      const keys = (await listTsigKeys(client)).map((k) => ({
        name: `${k.name}.`,
        algorithm: k.algorithm,
        state: k.revoked ? "revoked" : k.expiresAt && k.expiresAt <= now ? "expired" : "active",
        scope: k.allowedSuffixes,
        subject: k.subject,
      }));
      if (values.json) io.out(JSON.stringify(keys, null, 2));
      else {
        for (const k of keys) {
          io.out(
            `${k.name}\t${k.algorithm}\t${k.state}\t${k.scope.join(",")}\t${k.subject || "-"}`,
          );
        }
      }
      return 0;
    }
    if (sub === "import") {
      const { importKeys } = await import("./key_import_command.ts");
      return await importKeys(client, config, positionals, values, io);
    }
    const name = positionals[0] ? canonicalName(positionals[0]) : "";
    if (!name || !isValidOwnerName(name)) {
      io.err(`dmp key ${sub}: a valid key NAME is required`);
      return 2;
    }
    if (sub === "revoke") {
      if (!(await revokeTsigKey(client, name, now))) {
        io.err(`dmp key revoke: no key ${name}`);
        return 1;
      }
      io.out(`key ${name} revoked`);
      return 0;
    }
    if (sub === "create") {
      const algorithm = (values.algorithm ?? "hmac-sha256").toLowerCase().replace(/\.$/, "");
      if (!tsigAlgorithm(algorithm)) {
        io.err(`dmp key create: unsupported algorithm ${algorithm}`);
        return 2;
      }
      const parsed = parseScopeList(values.scope ?? "");
      if (!parsed.ok) {
        io.err(`dmp key create: --scope ${parsed.error}`);
        return 2;
      }
      const scope = parsed.entries;
      if (scope.length === 0) {
        io.err("dmp key create: --scope SUFFIX|acme:ZONE[,...] is required");
        return 2;
      }
      const box = await loadSecretBox(config);
      if (!box) {
        io.err(
          `dmp key create: DMP_TSIG_SECRET_KEY is required for ${redactDatabaseUrl(chosen.url)}: ` +
            "set it to the " +
            "edge's sealing key (the local stack keeps it in .data/tsig-sealing.key and the CLI " +
            "finds it when run inside the checkout)",
        );
        return 2;
      }
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const expiresIn = values["expires-in"] ? Number(values["expires-in"]) : 0;
      await putTsigKey(client, box, {
        name,
        algorithm,
        secret,
        allowedSuffixes: scope,
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: expiresIn > 0 ? Math.floor(now + expiresIn) : 0,
      }, now);
      io.out(`${algorithm}:${name}.:${encodeBase64(secret)}`);
      return 0;
    }
    io.err(`dmp key: unknown subcommand "${sub}"\n\n${io.helpText}`);
    return 2;
  } finally {
    client.close();
  }
}
