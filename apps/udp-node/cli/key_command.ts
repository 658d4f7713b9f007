/**
 * `dmp key create|import|list|revoke`: TSIG keys for operators and their tools (for
 * example ACME DNS-01 clients). A key whose scope is the whole zone may write
 * A, AAAA, CNAME, MX, SRV, CAA, NS and TXT; narrower keys write TXT only.
 * The secret is printed once, at creation.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { listTsigKeys, putTsigKey, revokeTsigKey } from "../../../packages/core/store/tsig_keys.ts";
import { tsigAlgorithm } from "../../../packages/core/tsig/algorithm.ts";
import { encodeBase64 } from "../../../packages/core/dmp/base64_strict.ts";
import { canonicalName, isValidOwnerName } from "../../../packages/core/wire/name.ts";
import { openDatabase } from "../db_client.ts";
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
    },
    allowPositionals: true,
  });
  if (!sub || values.help) {
    io.out(io.helpText);
    return sub ? 0 : 2;
  }
  const config = loadConfig(values.db ? { ...env, DMP_DB_URL: values.db } : env);
  const { client } = await openDatabase(config);
  try {
    await migrate(client);
    const now = Date.now() / 1000;
    if (sub === "list") {
      for (const k of await listTsigKeys(client)) {
        const state = k.revoked
          ? "revoked"
          : k.expiresAt && k.expiresAt <= now
          ? "expired"
          : "active";
        io.out(
          `${k.name}.\t${k.algorithm}\t${state}\t${k.allowedSuffixes.join(",")}\t${
            k.subject || "-"
          }`,
        );
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
      const scope = (values.scope ?? "").split(",").map((s) => canonicalName(s.trim())).filter(
        Boolean,
      );
      if (scope.length === 0) {
        io.err("dmp key create: --scope SUFFIX[,SUFFIX...] is required");
        return 2;
      }
      const box = await loadSecretBox(config);
      if (!box) {
        io.err("dmp key create: DMP_TSIG_SECRET_KEY is required for this database");
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
