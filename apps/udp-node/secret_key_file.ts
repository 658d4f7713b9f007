/**
 * Where the key that seals TSIG secrets comes from: DMP_TSIG_SECRET_KEY, or
 * for an embedded `file:` database (the local stack) a key file beside it,
 * created with mode 0600 on first use. Remote databases require the variable,
 * since every node and the edge must share it.
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Config } from "../../packages/core/config/env.ts";
import { createSecretBox, type SecretBox } from "../../packages/core/store/secret_box.ts";
import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import { databaseUrl } from "./database_url.ts";

/** Opens the secret box, or undefined when no key is available (UPDATE then has no keys). */
export async function loadSecretBox(config: Config): Promise<SecretBox | undefined> {
  if (config.DMP_TSIG_SECRET_KEY) return await createSecretBox(config.DMP_TSIG_SECRET_KEY);
  const url = databaseUrl(config);
  if (!url.startsWith("file:") || config.DMP_DB_SYNC_URL) return undefined;
  const path = url.slice("file:".length).split("?")[0] + ".tsig-key";
  if (!existsSync(path)) {
    writeFileSync(path, bytesToHex(crypto.getRandomValues(new Uint8Array(32))) + "\n", {
      mode: 0o600,
      flag: "wx",
    });
  }
  return await createSecretBox(readFileSync(path, "utf8").trim());
}
