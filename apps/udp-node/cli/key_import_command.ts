/**
 * `dmp key import`: stores existing TSIG keys (issue 16), given on the
 * command line (`NAME --algorithm A --secret BASE64`) or read from a BIND key
 * file (`--file tsig.key`, the output of `tsig-keygen`). Secrets are sealed
 * like minted ones and never printed. Without `--scope` a key may only sign
 * zone transfers and NOTIFY (it writes nothing); an existing key is replaced
 * only with `--replace`. All keys of a file are stored, or none.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Config } from "../../../packages/core/config/env.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import {
  listTsigKeys,
  tsigJournalStatement,
  tsigKeyUpsertStatement,
} from "../../../packages/core/store/tsig_keys.ts";
import {
  checkImportedKey,
  type ImportedKey,
  KeyImportError,
  parseBindKeyFile,
} from "../../../packages/core/tsig/key_import.ts";
import { parseScopeList } from "../../../packages/core/update/acme_scope.ts";
import { loadSecretBox } from "../secret_key_file.ts";
import type { KeyCommandIo } from "./key_command.ts";

/** The options `dmp key import` reads. */
export interface KeyImportValues {
  algorithm?: string;
  secret?: string;
  file?: string;
  scope?: string;
  replace?: boolean;
  "expires-in"?: string;
}

/** Runs `dmp key import`; returns the exit code. */
export async function importKeys(
  client: SqlClient,
  config: Config,
  positionals: string[],
  values: KeyImportValues,
  io: KeyCommandIo,
): Promise<number> {
  let keys: ImportedKey[];
  try {
    if (values.file !== undefined) {
      if (positionals.length > 0 || values.secret !== undefined || values.algorithm) {
        io.err("dmp key import: --file takes no NAME, --algorithm or --secret");
        return 2;
      }
      let text: string;
      try {
        text = readFileSync(values.file, "utf8");
      } catch (e) {
        io.err(`dmp key import: cannot read ${values.file}: ${(e as Error).message}`);
        return 1;
      }
      keys = parseBindKeyFile(text);
    } else {
      if (positionals.length !== 1 || values.secret === undefined) {
        io.err("dmp key import: NAME and --secret BASE64 are required (or --file FILE)");
        return 2;
      }
      keys = [checkImportedKey(positionals[0], values.algorithm ?? "hmac-sha256", values.secret)];
    }
  } catch (e) {
    if (e instanceof KeyImportError) {
      io.err(`dmp key import: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const parsed = parseScopeList(values.scope ?? "");
  if (!parsed.ok) {
    io.err(`dmp key import: --scope ${parsed.error}`);
    return 2;
  }
  const scope = parsed.entries;
  const expiresIn = values["expires-in"] ? Number(values["expires-in"]) : 0;
  if (!Number.isFinite(expiresIn) || expiresIn < 0) {
    io.err("dmp key import: --expires-in must be a number of seconds");
    return 2;
  }
  const box = await loadSecretBox(config);
  if (!box) {
    io.err("dmp key import: DMP_TSIG_SECRET_KEY is required to seal the secret");
    return 2;
  }
  const existing = new Set((await listTsigKeys(client)).map((k) => k.name));
  const clash = keys.find((k) => existing.has(k.name));
  if (clash && !values.replace) {
    io.err(`dmp key import: key ${clash.name} exists; pass --replace to overwrite it`);
    return 1;
  }
  const now = Date.now() / 1000;
  const statements = [];
  for (const k of keys) {
    statements.push(
      await tsigKeyUpsertStatement(box, {
        name: k.name,
        algorithm: k.algorithm,
        secret: k.secret,
        allowedSuffixes: scope,
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: expiresIn > 0 ? Math.floor(now + expiresIn) : 0,
      }, now),
    );
  }
  statements.push(tsigJournalStatement(now));
  // One batch: every key of the file is stored, or none.
  await client.batch(statements, "write");
  for (const k of keys) {
    io.out(
      `key ${k.name} imported (${k.algorithm}, ${
        scope.length ? `scope ${scope.join(",")}` : "transfers and NOTIFY only"
      })`,
    );
  }
  return 0;
}
