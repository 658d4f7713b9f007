import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { openImportWriter } from "./import_writer.ts";

Deno.test("import writer: only file: URLs; a transaction closed uncommitted writes nothing, a committed one everything", async () => {
  assert.equal(openImportWriter("http://127.0.0.1:1"), undefined);
  const dir = await Deno.makeTempDir();
  const url = `file:${dir}/w.db`;
  const client = createClient({ url });
  await client.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB, n INTEGER)");
  const writer = openImportWriter(url)!;
  try {
    const rows = (from: number) =>
      Array.from({ length: 40 }, (_, i) => ({
        sql: "INSERT INTO t (k, v, n) VALUES (?, ?, ?)",
        args: [`k${from + i}`, new Uint8Array([i]), i % 2 === 0],
      }));
    const dropped = await writer.transaction("write");
    await dropped.batch(rows(0));
    dropped.close(); // not committed: rolled back
    assert.equal(Number((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n), 0);
    const kept = await writer.transaction("write");
    // More distinct statements than the cache holds: it starts over, every row still written.
    for (let i = 0; i < 20; i++) {
      await kept.batch([{
        sql: `INSERT INTO t (k, v, n) VALUES (?, ?, ${i})`,
        args: [`d${i}`, null],
      }]);
    }
    await kept.batch(rows(100));
    await kept.commit();
    kept.close();
    assert.equal(Number((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n), 60);
    const r = await client.execute("SELECT n FROM t WHERE k = 'k100'");
    assert.equal(Number(r.rows[0].n), 1); // a boolean is stored as 1/0, as the client does
    // A failing statement throws, and the transaction's close rolls the whole step back.
    const failing = await writer.transaction("write");
    await assert.rejects(() => failing.batch([...rows(200), ...rows(200)]), /UNIQUE/);
    failing.close();
    assert.equal(Number((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n), 60);
  } finally {
    writer.close();
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
