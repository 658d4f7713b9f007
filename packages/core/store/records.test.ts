import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import {
  applyRecordChanges,
  CapExceededError,
  JOURNAL_PRUNE_BATCH,
  pruneJournal,
  readJournalHead,
  readRecordsByName,
  readZoneRecords,
  type RecordChange,
} from "./records.ts";
import { upsertZone } from "./zones.ts";

Deno.test({
  name: "readZoneRecords reads a zone larger than one page, live records only, in publish order",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      await upsertZone(client, { name: "big.test" }, 1000);
      await upsertZone(client, { name: "other.test" }, 1000);
      // 12,001 records over three pages of 5,000, one of them expired by the time of the read.
      const changes: RecordChange[] = [];
      for (let i = 0; i < 12_000; i++) {
        changes.push({
          op: "add",
          zone: "big.test",
          name: `n${i}.big.test`,
          type: "TXT",
          value: `v${i}`,
          ttl: 60,
        });
      }
      changes.push({
        op: "add",
        zone: "big.test",
        name: "gone.big.test",
        type: "TXT",
        value: "x",
        ttl: 60,
        lifetime: 10,
      });
      changes.push({
        op: "add",
        zone: "other.test",
        name: "o.other.test",
        type: "TXT",
        value: "o",
        ttl: 60,
      });
      for (let i = 0; i < changes.length; i += 4000) {
        await applyRecordChanges(client, changes.slice(i, i + 4000), { now: 2000 + i });
      }
      const rows = await readZoneRecords(client, "big.test", 20_000);
      assert.equal(rows.length, 12_000, "every live record of the zone, none of the expired one");
      assert.ok(rows.every((r) => r.zone === "big.test"));
      assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, "no row read twice");
      for (let i = 1; i < rows.length; i++) {
        const a = rows[i - 1], b = rows[i];
        assert.ok(
          a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id),
          `order at ${i}`,
        );
      }
      assert.equal(rows[0].value, "v0");
      assert.equal(rows.at(-1)?.value, "v11999");
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "record reads survive a row whose integers are past 2^53 (issue 12 #8)",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      await upsertZone(client, { name: "bad.test" }, 1000);
      // What an unbounded `lifetime: 9007199254740991` left behind, written the way it landed.
      await client.execute(
        `INSERT INTO records (zone, name, type, value, ttl, created_at, expires_at, stored_ts)
         VALUES ('bad.test', 'x.bad.test', 'TXT', 'big', 99999999999999999, 1000,
                 9007199254742000, 0)`,
      );
      await applyRecordChanges(client, [{
        op: "add",
        zone: "bad.test",
        name: "y.bad.test",
        type: "TXT",
        value: "fine",
        ttl: 60,
      }], { now: 1001 });
      const rows = await readZoneRecords(client, "bad.test", 2000);
      const big = rows.find((r) => r.value === "big")!;
      assert.equal(big.expiresAt, Number.MAX_SAFE_INTEGER);
      assert.equal(big.ttl, 2147483647, "a TTL reads back within RFC 2181 §8");
      assert.ok(rows.some((r) => r.value === "fine"), "later records are still read");
      const byName = await readRecordsByName(client, ["x.bad.test", "y.bad.test"], 2000);
      assert.equal(byName.length, 2);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the per-name value cap holds for every name of a batch, one over it in a later chunk",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      await upsertZone(client, { name: "cap.test" }, 1000);
      const add = (name: string, value: string, lifetime?: number): RecordChange => ({
        op: "add",
        zone: "cap.test",
        name: `${name}.cap.test`,
        type: "TXT",
        value,
        ttl: 60,
        lifetime,
      });
      // 700 names (two guard statements of names), each at the cap of 2: accepted.
      const atCap: RecordChange[] = [];
      for (let i = 0; i < 700; i++) atCap.push(add(`n${i}`, "a"), add(`n${i}`, "b"));
      await applyRecordChanges(client, atCap, { now: 2000, maxValuesPerName: 2 });
      assert.equal((await readRecordsByName(client, ["n699.cap.test"], 2000)).length, 2);

      // One value more at a name of the second chunk, beside fresh names: refused, nothing written.
      const over: RecordChange[] = [];
      for (let i = 0; i < 600; i++) over.push(add(`m${i}`, "a"));
      over.push(add("n650", "c"));
      await assert.rejects(
        applyRecordChanges(client, over, { now: 2001, maxValuesPerName: 2 }),
        CapExceededError,
      );
      assert.equal((await readRecordsByName(client, ["n650.cap.test"], 2001)).length, 2);
      assert.equal((await readRecordsByName(client, ["m0.cap.test"], 2001)).length, 0);

      // Expired values do not count: with one of them gone, a third value fits.
      await applyRecordChanges(client, [add("e", "old", 10), add("e", "b")], {
        now: 3000,
        maxValuesPerName: 2,
      });
      await applyRecordChanges(client, [add("e", "c")], { now: 3020, maxValuesPerName: 2 });
      assert.equal((await readRecordsByName(client, ["e.cap.test"], 3020)).length, 2);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "pruneJournal keeps the newest entries and the head, a bounded number per call",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const rows = JOURNAL_PRUNE_BATCH + 10_010;
      await client.execute({
        sql: `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
              INSERT INTO journal (ts, zone, name) SELECT 1000, 'j.test', 'n' || x || '.j.test' FROM c`,
        args: [rows],
      });
      const head = await readJournalHead(client);
      const count = async () =>
        Number((await client.execute("SELECT count(*) AS n FROM journal")).rows[0].n);
      assert.equal(await pruneJournal(client, 10), JOURNAL_PRUNE_BATCH, "one batch per call");
      assert.equal(await pruneJournal(client, 10), 10_000);
      assert.equal(await pruneJournal(client, 10), 0);
      assert.equal(await count(), 10);
      assert.equal(await readJournalHead(client), head, "the head stays");
      const oldest = (await client.execute("SELECT MIN(seq) AS s FROM journal")).rows[0].s;
      assert.equal(Number(oldest), head - 9, "the newest ten are kept");
      // Keeping fewer than one still keeps the head.
      await pruneJournal(client, 0);
      assert.equal(await count(), 1);
      assert.equal(await readJournalHead(client), head);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
