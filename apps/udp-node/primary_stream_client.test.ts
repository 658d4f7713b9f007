import assert from "node:assert/strict";
import { runModuleUnder } from "../../tests/_support/node_process.ts";
import { startSqld } from "../../tests/_support/sqld.ts";

/** Runs `body` under Node with `c`, a PrimaryStreamClient of `url`; returns what it printed last. */
async function withStreamClient(
  url: string,
  token: string | undefined,
  body: string,
  maxAgeMs?: number,
): Promise<Record<string, unknown>> {
  const out = await runModuleUnder(
    "node",
    `
    import { PrimaryStreamClient } from "./apps/udp-node/primary_stream_client.ts";
    const ws = ${JSON.stringify(url)}.replace("http://", "ws://");
    const c = new PrimaryStreamClient(ws, ${JSON.stringify(token)}${
      maxAgeMs === undefined ? "" : `, ${maxAgeMs}`
    });
    // last_insert_rowid() belongs to a SQLite connection (0 on one that inserted nothing).
    const rowidOfWrites = async (x) =>
      (await x.batch(["SELECT last_insert_rowid() AS id"], "write"))[0].rows[0].id;
    const rowidOfReads = async (x) => (await x.execute("SELECT last_insert_rowid() AS id")).rows[0].id;
    const result = {};
    try {
      ${body}
    } finally {
      c.close();
    }
    console.log(JSON.stringify(result));
  `,
  );
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!);
}

Deno.test("write batches share one sqld connection, other calls another, batches atomic", async () => {
  const sqld = await startSqld({ jwt: true });
  try {
    await sqld.client.execute("CREATE TABLE stream_rows (v INTEGER)");
    // The 30th write batch's rowid is seen by the next write batch only on the same connection;
    // a write by execute() goes on the other one, which the write batches' rowid never reaches.
    const r = await withStreamClient(
      sqld.url,
      sqld.token,
      `
      await Promise.all(Array.from({ length: 30 }, (_, i) => c.batch([
        { sql: "INSERT INTO stream_rows (v) VALUES (?)", args: [i] },
      ], "write")));
      result.writes = await rowidOfWrites(c);
      result.readsBefore = await rowidOfReads(c);
      await c.execute({ sql: "INSERT INTO stream_rows (v) VALUES (?)", args: [30] });
      result.reads = await rowidOfReads(c);
      result.writesAfter = await rowidOfWrites(c);
      const read = await c.batch(["SELECT count(*) AS n FROM stream_rows"], "read");
      result.read = read[0].rows[0].n;
      result.columns = read[0].columns;
    `,
    );
    assert.deepEqual(r, {
      writes: 30,
      readsBefore: 0,
      reads: 31,
      writesAfter: 30,
      read: 31,
      columns: ["n"],
    });
    const rows = await sqld.client.execute("SELECT count(*) AS n, sum(v) AS s FROM stream_rows");
    assert.deepEqual([Number(rows.rows[0].n), Number(rows.rows[0].s)], [31, 465]);

    // `@libsql/client` opens a stream (a connection) per call: there the rowid is gone.
    const plain = await runModuleUnder(
      "node",
      `
      import { createClient } from "@libsql/client";
      const c = createClient({ url: ${JSON.stringify(sqld.url.replace("http://", "ws://"))},
        authToken: ${JSON.stringify(sqld.token)} });
      await c.batch([{ sql: "INSERT INTO stream_rows (v) VALUES (?)", args: [31] }], "write");
      console.log((await c.execute("SELECT last_insert_rowid() AS id")).rows[0].id);
      c.close();
    `,
    );
    assert.equal(plain.stdout.trim(), "0");
  } finally {
    sqld.client.close();
    await sqld.stop();
  }
});

Deno.test("a failed batch names its statement, writes nothing and leaves the stream usable", async () => {
  const sqld = await startSqld();
  try {
    await sqld.client.execute(
      "CREATE TABLE guarded (v INTEGER, CONSTRAINT v_small CHECK (v < 10))",
    );
    const r = await withStreamClient(
      sqld.url,
      undefined,
      `
      try {
        await c.batch([1, 2, 99, 3].map((v) => ({ sql: "INSERT INTO guarded (v) VALUES (?)", args: [v] })), "write");
        result.failed = "no";
      } catch (e) {
        result.failed = { index: e.statementIndex, code: e.code, message: e.message };
      }
      // The same stream, outside a transaction again: a new BEGIN IMMEDIATE works.
      await c.batch([{ sql: "INSERT INTO guarded (v) VALUES (?)", args: [5] }], "write");
      try { await c.execute("SELECT * FROM no_such_table"); } catch (e) { result.execError = e.message; }
      result.after = (await c.execute("SELECT group_concat(v) AS v FROM guarded")).rows[0].v;
    `,
    );
    const failed = r.failed as { index: number; code: string; message: string };
    assert.equal(failed.index, 2);
    assert.match(failed.message, /CHECK constraint failed: v_small/);
    assert.match(failed.code, /^SQLITE_CONSTRAINT/);
    assert.match(String(r.execError), /no such table: no_such_table/);
    assert.equal(r.after, "5");
  } finally {
    sqld.client.close();
    await sqld.stop();
  }
});

Deno.test("the stream client replaces a broken connection and an old one", async () => {
  const sqld = await startSqld();
  try {
    await sqld.client.execute("CREATE TABLE kept (v INTEGER)");
    // Through a TCP relay whose connections the module cuts: the next call opens a new one.
    const port = sqld.url.split(":").at(-1);
    const r = await withStreamClient(
      "http://127.0.0.1:0",
      undefined,
      `
      const net = await import("node:net");
      const sockets = new Set();
      const relay = net.createServer((a) => {
        const b = net.connect(${port}, "127.0.0.1");
        a.pipe(b); b.pipe(a);
        for (const s of [a, b]) { sockets.add(s); s.on("error", () => {}); s.on("close", () => sockets.delete(s)); }
      });
      await new Promise((ok) => relay.listen(0, "127.0.0.1", ok));
      const d = new (c.constructor)("ws://127.0.0.1:" + relay.address().port, undefined);
      await d.batch([{ sql: "INSERT INTO kept (v) VALUES (?)", args: [1] }], "write");
      result.before = await rowidOfWrites(d);
      for (const s of sockets) s.destroy();
      await new Promise((ok) => setTimeout(ok, 100));
      result.after = await rowidOfWrites(d);
      d.close();
      relay.close();
      // maxAgeMs 0: every call on a new connection, the old one closed (the process still exits).
      const e = new (c.constructor)(${
        JSON.stringify(sqld.url.replace("http://", "ws://"))
      }, undefined, 0);
      await e.batch([{ sql: "INSERT INTO kept (v) VALUES (?)", args: [2] }], "write");
      result.aged = await rowidOfWrites(e);
      e.close();
    `,
    );
    assert.deepEqual([r.before, r.after, r.aged], [1, 0, 0]);
    const rows = await sqld.client.execute("SELECT group_concat(v) AS v FROM kept");
    assert.equal(rows.rows[0].v, "1,2");
  } finally {
    sqld.client.close();
    await sqld.stop();
  }
});
