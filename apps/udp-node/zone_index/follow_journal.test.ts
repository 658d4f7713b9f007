/**
 * The journal follower's fast path (issue 15 item 6): a replica node told by
 * the change signal reads the change from the primary before its replica has
 * it. Two real file databases stand for the primary and the lagging replica.
 * And a follower behind entries the primary pruned reloads its zones.
 */
import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import {
  applyRecordChanges,
  pruneJournal,
  readJournalHead,
} from "../../../packages/core/store/records.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { putTsigKey } from "../../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../../packages/core/store/secret_box.ts";
import { TYPE } from "../../../packages/core/wire/constants.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { JournalFollower } from "./follow_journal.ts";
import { openRawReader } from "../storage/raw_rows.ts";

const ZONE = "fast.test";
const NOW = 1_800_000_000;

async function twoDatabases() {
  const primary = await freshDatabase();
  const replica = await freshDatabase();
  // The same history on both: the replica is in step up to here.
  for (const db of [primary, replica]) {
    await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, NOW);
  }
  return { primary, replica };
}

/** A TSIG key for the zone: its write journals a key change (zone ""). */
async function putKey(client: Parameters<typeof putTsigKey>[0], now: number): Promise<void> {
  await putTsigKey(client, await createSecretBox("7a".repeat(32)), {
    name: `k.${ZONE}`,
    algorithm: "hmac-sha256",
    secret: new Uint8Array(32),
    allowedSuffixes: [ZONE],
    subject: "",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now);
}

const add = (name: string, value: string) => ({
  op: "add" as const,
  zone: ZONE,
  name,
  type: "TXT",
  value,
  ttl: 300,
});

Deno.test({
  name: "catchUp(now, primary) serves a change the replica lacks; the replica goes on from there",
  sanitizeResources: false,
  async fn() {
    const { primary, replica } = await twoDatabases();
    try {
      const index = new ZoneIndex();
      const follower = new JournalFollower(replica.client, index);
      await follower.loadAll(NOW);
      const start = follower.seq;
      assert.equal(start, await readJournalHead(primary.client));

      await applyRecordChanges(primary.client, [add(`new.${ZONE}`, "v=1")], { now: NOW + 1 });
      assert.equal(await follower.catchUp(NOW + 1), 0, "the replica has nothing yet");
      assert.equal(index.lookup(`new.${ZONE}`, TYPE.TXT, NOW + 1).kind, "nxdomain");

      assert.equal(await follower.catchUp(NOW + 1, primary.client), 1);
      assert.equal(index.lookup(`new.${ZONE}`, TYPE.TXT, NOW + 1).kind, "answer");
      assert.equal(follower.seq, await readJournalHead(primary.client));

      // The replica syncs (the same write lands there): nothing is applied twice, and a
      // later write reaches the index through the replica as before.
      await applyRecordChanges(replica.client, [add(`new.${ZONE}`, "v=1")], { now: NOW + 1 });
      assert.equal(await follower.catchUp(NOW + 2), 0);
      await applyRecordChanges(replica.client, [add(`later.${ZONE}`, "v=2")], { now: NOW + 3 });
      assert.equal(await follower.catchUp(NOW + 3), 1);
      assert.equal(index.lookup(`later.${ZONE}`, TYPE.TXT, NOW + 3).kind, "answer");
      assert.equal(index.lookup(`new.${ZONE}`, TYPE.TXT, NOW + 3).kind, "answer");
    } finally {
      primary.client.close();
      replica.client.close();
    }
  },
});

Deno.test({
  name: "catchUp(now, primary) stops before a key change: keys are reloaded from the replica",
  sanitizeResources: false,
  async fn() {
    const { primary, replica } = await twoDatabases();
    try {
      const index = new ZoneIndex();
      let keyReloads = 0;
      const follower = new JournalFollower(replica.client, index, () => {
        keyReloads++;
        return Promise.resolve();
      });
      await follower.loadAll(NOW);
      await applyRecordChanges(primary.client, [add(`a.${ZONE}`, "1")], { now: NOW + 1 });
      await putKey(primary.client, NOW + 1);
      await applyRecordChanges(primary.client, [add(`b.${ZONE}`, "2")], { now: NOW + 1 });

      assert.equal(await follower.catchUp(NOW + 1, primary.client), 1, "a only");
      assert.equal(index.lookup(`a.${ZONE}`, TYPE.TXT, NOW + 1).kind, "answer");
      assert.equal(index.lookup(`b.${ZONE}`, TYPE.TXT, NOW + 1).kind, "nxdomain");
      assert.equal(keyReloads, 0);
      // Asked again, it still stops at the key change: the replica's catch-up takes it.
      assert.equal(await follower.catchUp(NOW + 1, primary.client), 0);
    } finally {
      primary.client.close();
      replica.client.close();
    }
  },
});

Deno.test({
  name:
    "a follower behind pruned journal entries reloads its zones; the primary path leaves that to it",
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    try {
      await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, NOW);
      await applyRecordChanges(db.client, [add(`old.${ZONE}`, "1")], { now: NOW });
      const index = new ZoneIndex();
      let keyReloads = 0;
      const follower = new JournalFollower(db.client, index, () => {
        keyReloads++;
        return Promise.resolve();
      });
      await follower.loadAll(NOW);
      const seen = follower.seq;
      // Writes while the follower is away, a key among them; the primary then keeps only the
      // newest entry.
      await putKey(db.client, NOW + 1);
      await applyRecordChanges(db.client, [{
        op: "delete_rrset",
        zone: ZONE,
        name: `old.${ZONE}`,
        type: "TXT",
      }], { now: NOW + 1 });
      await applyRecordChanges(db.client, [add(`a.${ZONE}`, "1")], { now: NOW + 1 });
      await applyRecordChanges(db.client, [add(`b.${ZONE}`, "2")], { now: NOW + 1 });
      assert.ok(await pruneJournal(db.client, 1) >= 3);

      assert.equal(await follower.catchUp(NOW + 2, db.client), 0, "the primary path stops");
      assert.equal(follower.seq, seen);
      await follower.catchUp(NOW + 2);
      assert.equal(follower.seq, await readJournalHead(db.client));
      // The key change, the deletion and the first add were named only by pruned entries.
      assert.equal(keyReloads, 1, "keys are read again too");
      assert.equal(index.lookup(`old.${ZONE}`, TYPE.TXT, NOW + 2).kind, "nxdomain");
      assert.equal(index.lookup(`a.${ZONE}`, TYPE.TXT, NOW + 2).kind, "answer");
      assert.equal(index.lookup(`b.${ZONE}`, TYPE.TXT, NOW + 2).kind, "answer");
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name: "loadAll: a zone read page by page, and one whose ids are out of publish order, load whole",
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const raw = openRawReader(db.url)!;
    try {
      await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, NOW);
      // More than a page of the raw load (400 rows), two values at one name.
      const changes = Array.from({ length: 900 }, (_, i) => add(`n${i}.${ZONE}`, `v${i}`));
      changes.push(add(`n5.${ZONE}`, "second"));
      await applyRecordChanges(db.client, changes, { now: NOW });
      const valuesAt = (index: ZoneIndex, name: string) => {
        const r = index.lookup(name, TYPE.TXT, NOW);
        assert.equal(r.kind, "answer");
        const wire = r.kind === "answer" ? r.rrsets[0].wire : new Uint8Array();
        return new TextDecoder().decode(wire).replace(/[^ -~]+/g, "|");
      };
      for (const rows of [raw.rows, undefined]) {
        const index = new ZoneIndex();
        await new JournalFollower(db.client, index).loadAll(NOW, undefined, rows);
        assert.equal(index.liveRecordCount(NOW), 901 + 1, "every record and the apex NS");
        assert.match(valuesAt(index, `n5.${ZONE}`), /v5\|.*second/);
      }
      // A clock that went back: the later add has the earlier created_at. Publish order (brief
      // §1.6) puts it first, which the load gets by reading the zone again, sorted.
      await db.client.execute({
        sql: "UPDATE records SET created_at = ? WHERE value = 'second'",
        args: [NOW - 60],
      });
      for (const rows of [raw.rows, undefined]) {
        const index = new ZoneIndex();
        await new JournalFollower(db.client, index).loadAll(NOW, undefined, rows);
        assert.match(valuesAt(index, `n5.${ZONE}`), /second\|.*v5/);
        assert.equal(index.liveRecordCount(NOW), 902);
      }
    } finally {
      raw.close();
      db.client.close();
      await Deno.remove(db.dir, { recursive: true });
    }
  },
});
