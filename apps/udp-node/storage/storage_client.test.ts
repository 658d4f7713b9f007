/**
 * The storage worker's message interface against a real `file:` database in
 * a real worker: values and errors cross intact (the store's error
 * classifiers read the message and the failing statement's index), the
 * journal arrives as index patches that bring a zone index to the store's
 * state, and a closed or unopenable storage refuses requests with a clear error.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { applyRecordChanges, CapExceededError } from "../../../packages/core/store/records.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { applyIndexPatches } from "../zone_index/index_patch.ts";
import { StorageClient } from "./storage_client.ts";
import { STORAGE_WORKER_NICE } from "./storage_worker.ts";

const ZONE = "worker.test";

async function openStorage(): Promise<{ storage: StorageClient; crashes: Error[] }> {
  const db = await freshDatabase();
  db.client.close();
  const crashes: Error[] = [];
  const storage = await StorageClient.open(loadConfig({ DMP_DB_URL: db.url }), {
    onCrash: (e) => crashes.push(e),
  });
  return { storage, crashes };
}

Deno.test("storage worker: values, row counts and errors cross the thread boundary intact", async () => {
  const { storage, crashes } = await openStorage();
  try {
    assert.equal(storage.kind, "file");
    await storage.writer.execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)");
    const insert = await storage.writer.execute({
      sql: "INSERT INTO t VALUES (?, ?, ?, ?)",
      args: [9007199254740991, "ünï", new Uint8Array([0, 1, 255]), null],
    });
    assert.equal(insert.rowsAffected, 1);
    assert.equal(insert.lastInsertRowid, 1n);
    const r = await storage.reader.execute("SELECT i, s, b, n FROM t");
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0].i, 9007199254740991);
    assert.equal(r.rows[0].s, "ünï");
    assert.deepEqual(new Uint8Array(r.rows[0].b as ArrayBuffer), new Uint8Array([0, 1, 255]));
    assert.equal(r.rows[0].n, null);

    // A failing statement inside a batch: nothing applies, and the error names the statement.
    await storage.writer.execute("CREATE TABLE g (x INTEGER CHECK (x <= 0))");
    const failed = await storage.writer.batch([
      { sql: "INSERT INTO t (i) VALUES (2)" },
      { sql: "INSERT INTO g VALUES (1)" },
    ], "write").then(() => undefined, (e) => e);
    assert.match(String(failed?.message), /CHECK constraint failed/);
    assert.equal(failed.statementIndex, 1);
    assert.equal((await storage.reader.execute("SELECT i FROM t")).rows.length, 1);

    // The store's own classification still works through the worker (records.ts).
    const now = Date.now() / 1000;
    await upsertZone(storage.writer, { name: ZONE }, now);
    const add = (value: string) => ({
      op: "add" as const,
      zone: ZONE,
      name: `cap.${ZONE}`,
      type: "TXT",
      value,
      ttl: 60,
    });
    await assert.rejects(
      applyRecordChanges(storage.writer, [add("a"), add("b")], { now, maxValuesPerName: 1 }),
      CapExceededError,
    );
  } finally {
    await storage.close();
  }
  await assert.rejects(storage.reader.execute("SELECT 1"), /storage is closed/);
  assert.deepEqual(crashes, [], "closing is not a crash");
});

Deno.test("storage worker: the journal arrives as patches that bring an index to the store", async () => {
  const { storage } = await openStorage();
  try {
    const now = Date.now() / 1000;
    await upsertZone(storage.writer, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now);
    const txt = (name: string, value: string) => ({
      op: "add" as const,
      zone: ZONE,
      name,
      type: "TXT",
      value,
      ttl: 60,
    });
    await applyRecordChanges(storage.writer, [txt(`a.${ZONE}`, "one")], { now });
    const index = new ZoneIndex();
    const progress: number[] = [];
    const loaded = await storage.loadIndex(now, (n) => progress.push(n));
    assert.ok(progress.length > 0 && progress.at(-1)! >= 1, "progress while loading");
    assert.deepEqual(loaded.patches.map((p) => p.kind), ["replace_zone"]);
    // A whole zone crosses as one encoded zone image, not an object per record.
    const image = loaded.patches[0].kind === "replace_zone" ? loaded.patches[0].image : undefined;
    assert.ok(image && image.head.length > 0 && image.wire.length > 0);
    applyIndexPatches(index, loaded.patches);
    assert.deepEqual(index.zoneNames(), [ZONE]);
    const before = index.liveRecordCount(now);

    await applyRecordChanges(storage.writer, [txt(`b.${ZONE}`, "two")], { now });
    const caught = await storage.catchUp(now);
    assert.ok(caught.seq > loaded.seq);
    assert.equal(caught.applied, 1);
    assert.deepEqual(caught.patches.map((p) => p.kind), ["replace_names", "zone_meta"]);
    applyIndexPatches(index, caught.patches);
    assert.equal(index.liveRecordCount(now), before + 1);
    assert.deepEqual((await storage.catchUp(now)).patches, [], "nothing new, nothing sent");

    // A write, then the loading worker makes way for a fresh one while a catch-up is asked
    // for: the new worker goes on from where the old one's follower stood (same journal
    // position, same zones), so the catch-up brings exactly that write, as name patches.
    await applyRecordChanges(storage.writer, [txt(`c.${ZONE}`, "three")], { now });
    const renewing = storage.renewWorker();
    const afterRenew = await storage.catchUp(now);
    await renewing;
    assert.equal(afterRenew.applied, 1);
    assert.deepEqual(afterRenew.patches.map((p) => p.kind), ["replace_names", "zone_meta"]);
    applyIndexPatches(index, afterRenew.patches);
    assert.equal(index.liveRecordCount(now), before + 2);
    assert.equal((await storage.reader.execute("SELECT count(*) AS n FROM records")).rows[0].n, 4);
  } finally {
    await storage.close();
  }
});

Deno.test("storage worker: a database that cannot be opened fails open() with the reason", async () => {
  await assert.rejects(
    StorageClient.open(loadConfig({
      DMP_DB_URL: "http://127.0.0.1:9",
      DMP_DB_SYNC_URL: "http://127.0.0.1:9",
    })),
    /DMP_DB_SYNC_URL needs a file: DMP_DB_URL/,
  );
});

Deno.test("storage worker: a dead worker is restarted with backoff and resumes the journal where the index is", async () => {
  const db = await freshDatabase();
  db.client.close();
  const crashes: Error[] = [];
  let restarted = 0;
  let indexSeq = 0;
  let indexZones: string[] = [];
  const storage = await StorageClient.open(loadConfig({ DMP_DB_URL: db.url }), {
    onCrash: (e) => crashes.push(e),
    restart: {
      position: () => ({ seq: indexSeq, zones: indexZones }),
      onRestarted: () => restarted++,
      backoffMs: [50, 400],
    },
  });
  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    const now = Date.now() / 1000;
    await upsertZone(storage.writer, { name: ZONE }, now);
    indexSeq = (await storage.loadIndex(now)).seq;
    indexZones = [ZONE];
    const add = (name: string) => ({
      op: "add" as const,
      zone: ZONE,
      name: `${name}.${ZONE}`,
      type: "TXT",
      value: name,
      ttl: 60,
    });
    await applyRecordChanges(storage.writer, [add("before-crash")], { now });

    await storage.crashWorkerForTest();
    await until("the crash", () => crashes.length === 1);
    assert.equal(storage.alive, false);
    await assert.rejects(storage.reader.execute("SELECT 1"), /storage worker/);
    await until("the restart", () => restarted === 1);
    assert.equal(storage.alive, true);
    // Resumed at the index's sequence and zones: the write made before the crash is sent as the
    // patch of its name, not as the whole zone read again.
    const caught = await storage.catchUp(now);
    assert.equal(caught.applied, 1);
    assert.deepEqual(caught.patches.map((p) => p.kind), ["replace_names", "zone_meta"]);

    // A second death restarts again; the worker serves writes afterwards.
    await storage.crashWorkerForTest();
    await until("the second restart", () => restarted === 2);
    assert.equal(crashes.length, 2);
    await applyRecordChanges(storage.writer, [add("after-restart")], { now });
    const r = await storage.reader.execute({
      sql: "SELECT count(*) AS n FROM records WHERE zone = ?",
      args: [ZONE],
    });
    assert.equal(Number(r.rows[0].n), 2);
  } finally {
    await storage.close();
  }
  // Closed while dead: no restart comes back to life afterwards.
  assert.equal(storage.alive, false);
});

Deno.test("storage worker: its thread runs at a lower priority than the DNS thread", async () => {
  // A process of its own: this one has run other workers, whose threads the runtime may keep.
  const db = await freshDatabase();
  db.client.close();
  const code = `
    import { loadConfig } from "${new URL(
    "../../../packages/core/config/env.ts",
    import.meta.url,
  )}";
    import { StorageClient } from "${new URL("./storage_client.ts", import.meta.url)}";
    const nice = () => [...Deno.readDirSync("/proc/self/task")].map((t) => ({
      main: t.name === String(Deno.pid),
      nice: Number(Deno.readTextFileSync("/proc/self/task/" + t.name + "/stat").split(") ")[1].split(" ")[16]),
    }));
    const before = nice();
    const storage = await StorageClient.open(loadConfig({ DMP_DB_URL: ${JSON.stringify(db.url)} }));
    await storage.reader.execute("SELECT 1");
    console.log(JSON.stringify({ before, after: nice() }));
    await storage.close();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { before, after } = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
    string,
    { main: boolean; nice: number }[]
  >;
  const lowered = (l: { nice: number }[]) => l.filter((t) => t.nice === STORAGE_WORKER_NICE).length;
  assert.equal(lowered(before), 0);
  // The worker's thread, and threads it started since (libSQL's), which inherit its value.
  assert.ok(lowered(after) >= 1, JSON.stringify(after));
  assert.ok(lowered(after) < after.length, "not the whole process");
  assert.equal(after.find((t) => t.main)?.nice, 0, "the main (DNS) thread keeps its priority");
});
