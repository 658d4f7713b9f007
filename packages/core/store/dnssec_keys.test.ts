import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { prepareFileDatabase } from "./file_database.ts";
import { migrate, SCHEMA_VERSION } from "./migrate.ts";
import { MIGRATION_0001 } from "./migrations/0001_initial.ts";
import { MIGRATION_0002 } from "./migrations/0002_heartbeats_seen.ts";
import { MIGRATION_0003 } from "./migrations/0003_update_guards.ts";
import { MIGRATION_0004 } from "./migrations/0004_registration_claims.ts";
import { MIGRATION_0005 } from "./migrations/0005_heartbeat_sightings.ts";
import { MIGRATION_0006 } from "./migrations/0006_zone_transfer.ts";
import { MIGRATION_0007 } from "./migrations/0007_serial_policy.ts";
import { MIGRATION_0008 } from "./migrations/0008_dashboard_sessions.ts";
import { MIGRATION_0009 } from "./migrations/0009_dnssec_keys.ts";
import { createSecretBox } from "./secret_box.ts";
import { readZone, upsertZone } from "./zones.ts";
import {
  enableZoneSigning,
  listSigningKeys,
  readSigningKeys,
  startRollover,
} from "./dnssec_keys.ts";
import { generateSigningKey, importSigningKey } from "../dnssec/signing_key.ts";
import { ZoneSigner } from "../dnssec/zone_signer.ts";
import type { RolloverTimings } from "../dnssec/key_timeline.ts";

const opts = { sanitizeResources: false };
const T: RolloverTimings = {
  dnskeyTtl: 100,
  maxZoneTtl: 100,
  propagation: 10,
  parentDsTtl: 100,
  dsWait: 0,
};
const NOW = 1_800_000_000;

Deno.test({
  name: "a combined key signed before migration 10 keeps both roles, and a ZSK rollover splits it",
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dmp-test-" });
    const client = createClient({ url: `file:${dir}/dmp.db` });
    try {
      await prepareFileDatabase(client);
      // A database at schema version 9, with a key as version 9 stored it.
      const v9 = [
        MIGRATION_0001,
        MIGRATION_0002,
        MIGRATION_0003,
        MIGRATION_0004,
        MIGRATION_0005,
        MIGRATION_0006,
        MIGRATION_0007,
        MIGRATION_0008,
        MIGRATION_0009,
      ].flat().map((sql) => ({ sql }));
      await client.batch([
        { sql: "CREATE TABLE dmp_schema (version INTEGER NOT NULL)" },
        ...v9,
        { sql: "INSERT INTO dmp_schema (version) VALUES (9)" },
      ], "write");
      await upsertZone(client, { name: "old.test", apexNs: ["ns1.old.test"] }, NOW);
      const box = await createSecretBox("7a".repeat(32));
      const csk = await generateSigningKey(13);
      const tag = (await importSigningKey(csk)).keyTag;
      await client.execute({
        sql: `INSERT INTO dnssec_keys (zone, key_tag, algorithm, flags, private_enc, created_at)
              VALUES ('old.test', ?, 13, 257, ?, ?)`,
        args: [tag, await box.seal(csk.pkcs8, `dnssec:old.test:${tag}`), NOW - 1000],
      });
      assert.equal(await migrate(client), SCHEMA_VERSION);

      const [stored] = (await readSigningKeys(client, box)).keys;
      assert.equal(stored.times.role, "csk");
      assert.equal(stored.times.activeAt, 0);
      const signer = new ZoneSigner("old.test", [
        { key: await importSigningKey(stored), times: stored.times },
      ]);
      assert.equal(signer.signingKey("old.test", 48, NOW)?.keyTag, tag);
      assert.equal(signer.signingKey("www.old.test", 1, NOW)?.keyTag, tag);

      // The KSK roll is refused until the CSK is split; the ZSK roll splits it.
      const ksk = await startRollover(client, box, "old.test", "ksk", NOW, T);
      assert.ok(!ksk.ok && /roll the ZSK first/.test(ksk.error));
      const zsk = await startRollover(client, box, "old.test", "zsk", NOW, T);
      assert.ok(zsk.ok);
      const [kept, fresh] = zsk.keys;
      assert.deepEqual([kept.keyTag, kept.times.zoneUntil, kept.times.removeAt], [
        tag,
        NOW + 110,
        null,
      ]);
      assert.deepEqual([fresh.flags, fresh.times.role, fresh.times.activeAt], [
        256,
        "zsk",
        NOW + 110,
      ]);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name:
    "startRollover(): the old ZSK stays published for the zone's largest stored TTL when it exceeds the setting",
  ...opts,
  async fn() {
    const { client } = await freshDatabase();
    try {
      await upsertZone(client, { name: "long.test", apexNs: ["ns1.long.test"] }, NOW);
      await client.execute({
        sql: `INSERT INTO records (zone, name, type, value, ttl, created_at, stored_ts)
              VALUES ('long.test', 'www.long.test', 'A', '192.0.2.1', 5000, ?, ?)`,
        args: [NOW, NOW],
      });
      const box = await createSecretBox("7b".repeat(32));
      await enableZoneSigning(client, box, "long.test", 13, NOW - 10);
      const r = await startRollover(client, box, "long.test", "zsk", NOW, T);
      assert.ok(r.ok);
      const old = (await listSigningKeys(client, "long.test")).find((k) =>
        k.times.role === "zsk" && k.keyTag !== r.keyTag
      )!;
      assert.equal(old.times.zoneUntil, NOW + 110);
      assert.equal(old.times.removeAt, NOW + 110 + 5000 + 10);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name:
    "startRollover(): the zone's serial moves and its apex is journaled in the write that publishes the new key, even in the second of an earlier change",
  ...opts,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const box = await createSecretBox("7c".repeat(32));
      await upsertZone(client, { name: "roll.test", serialPolicy: "increment", serial: 40 }, NOW);
      await enableZoneSigning(client, box, "roll.test", 13, NOW - 10);
      const signedSerial = (await readZone(client, "roll.test"))!.serial;
      // A record added in the same second as the rollover, just before it.
      await client.execute({
        sql: "INSERT INTO journal (ts, zone, name) VALUES (?, 'roll.test', 'www.roll.test')",
        args: [NOW],
      });
      const r = await startRollover(client, box, "roll.test", "zsk", NOW, T);
      assert.ok(r.ok);
      assert.equal((await readZone(client, "roll.test"))!.serial, signedSerial + 1);
      const last = await client.execute(
        "SELECT ts, zone, name FROM journal WHERE zone = 'roll.test' ORDER BY seq DESC LIMIT 1",
      );
      assert.deepEqual([Number(last.rows[0].ts), last.rows[0].name], [NOW, "roll.test"]);
      // Refused (a rollover is under way): nothing moves.
      const again = await startRollover(client, box, "roll.test", "zsk", NOW + 1, T);
      assert.ok(!again.ok);
      assert.equal((await readZone(client, "roll.test"))!.serial, signedSerial + 1);
    } finally {
      client.close();
    }
  },
});
