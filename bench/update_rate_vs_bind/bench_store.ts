/**
 * The store both UPDATE benchmarks start from: zone `upd.test` with one
 * zone-wide HMAC-SHA256 key, sealed with a fixed bench-only sealing key.
 *
 * @module
 */

import { migrate } from "../../packages/core/store/migrate.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";

/** The zone updated. */
export const ZONE = "upd.test";
/** The TSIG key's name. */
export const KEY_NAME = `bench-key.${ZONE}`;
/** DMP_TSIG_SECRET_KEY of the bench nodes (a bench-only value). */
export const SEALING_KEY = "5e".repeat(32);

/** Schema, zone and the zone-wide key, written through `client` (the primary or the file). */
export async function seedBenchStore(client: SqlClient, secret: Uint8Array): Promise<void> {
  await migrate(client);
  const now = Date.now() / 1000;
  await upsertZone(client, {
    name: ZONE,
    soaMname: `ns1.${ZONE}`,
    soaRname: `hostmaster.${ZONE}`,
    soaRefresh: 3600,
    soaRetry: 600,
    soaExpire: 604800,
    soaMinimum: 60,
    apexNs: [`ns1.${ZONE}`],
    apexTtl: 3600,
  }, now);
  await putTsigKey(client, await createSecretBox(SEALING_KEY), {
    name: KEY_NAME,
    algorithm: "hmac-sha256",
    secret,
    allowedSuffixes: [ZONE],
    subject: "bench",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now);
}
