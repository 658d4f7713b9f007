import assert from "node:assert/strict";
import {
  applyRecordChanges,
  readZoneRecords,
  type RecordChange,
} from "../../../packages/core/store/records.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { openRawReader } from "./raw_rows.ts";

Deno.test("raw reads give the zone load the client's records, values and pages intact", async () => {
  const db = await freshDatabase();
  const reader = openRawReader(db.url);
  try {
    const now = 1_800_000_000;
    await upsertZone(db.client, { name: "raw.test" }, now);
    await upsertZone(db.client, { name: "other.test" }, now);
    // Quotes, backslashes, control characters and NULs (libSQL's bindings read text up to a NUL:
    // records.ts' value_json), non-ASCII, astral characters, a value past one
    // character-string, an empty one, a split.
    const tricky = [
      `say "hi" \\ bye`,
      "tab\there\nnewline\u0000nul\u001f\u0000",
      "naïve café ✓ 🦕",
      "x".repeat(700),
      "",
      "</script>\u2028\u2029",
    ];
    const changes: RecordChange[] = tricky.map((value, i) => ({
      op: "add",
      zone: "raw.test",
      name: `t${i}.raw.test`,
      type: "TXT",
      value,
      ttl: 60 + i,
      ...(i === 3 ? { txtSplit: "300,400" } : {}),
    }));
    changes.push(
      { op: "add", zone: "raw.test", name: "raw.test", type: "A", value: "192.0.2.1", ttl: 300 },
      {
        op: "add",
        zone: "raw.test",
        name: "short.raw.test",
        type: "TXT",
        value: "lives",
        ttl: 30,
        lifetime: 3600,
      },
      { op: "add", zone: "other.test", name: "o.other.test", type: "TXT", value: "no", ttl: 60 },
    );
    // Many pages of the load.
    for (let i = 0; i < 11_000; i++) {
      changes.push({
        op: "add",
        zone: "raw.test",
        name: `slot-${i % 10}.mb-${Math.floor(i / 10)}.raw.test`,
        type: "TXT",
        value: `v=dmp1;t=id;k=${i}`,
        ttl: 300,
      });
    }
    for (let i = 0; i < changes.length; i += 2000) {
      await applyRecordChanges(db.client, changes.slice(i, i + 2000), { now });
    }
    const viaClient = await readZoneRecords(db.client, "raw.test", now);
    const pages: number[] = [];
    const viaRaw = await readZoneRecords(
      db.client,
      "raw.test",
      now,
      (n) => pages.push(n),
      reader!.rows,
    );
    assert.equal(viaClient.length, 11_008);
    assert.deepEqual(viaRaw, viaClient);
    // Many pages (a few hundred rows each), in order.
    assert.ok(pages.length > 20 && pages.every((n, i) => i === 0 || n > pages[i - 1]), `${pages}`);
    assert.equal(pages.at(-1), 11_008);
    const byName = new Map(viaRaw.map((r) => [r.name, r]));
    tricky.forEach((value, i) => assert.equal(byName.get(`t${i}.raw.test`)?.value, value));
    assert.equal(byName.get("t3.raw.test")?.txtSplit, "300,400");
    assert.equal(byName.get("short.raw.test")?.expiresAt, now + 3600);
    assert.ok(!byName.has("o.other.test"), "another zone's records stay out");
    // Expired records are not loaded, on either path.
    const later = await readZoneRecords(db.client, "raw.test", now + 7200, undefined, reader!.rows);
    assert.equal(later.length, 11_007);
  } finally {
    reader?.close();
    db.client.close();
    await Deno.remove(db.dir, { recursive: true });
  }
});

Deno.test("raw reads are for local files only", () => {
  assert.equal(openRawReader("http://127.0.0.1:8080"), undefined);
  assert.equal(openRawReader("libsql://db.example"), undefined);
});
