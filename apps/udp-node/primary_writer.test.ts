import assert from "node:assert/strict";
import { runModuleUnder } from "../../tests/_support/node_process.ts";
import { startSqld } from "../../tests/_support/sqld.ts";
import { webSocketUrlOf } from "./primary_writer.ts";

Deno.test("an http(s) primary's WebSocket URL keeps its host, port and path; other URLs have none", () => {
  assert.equal(webSocketUrlOf("http://127.0.0.1:8080"), "ws://127.0.0.1:8080");
  assert.equal(webSocketUrlOf("https://db.example:443/x"), "wss://db.example:443/x");
  assert.equal(webSocketUrlOf("libsql://db-org.turso.io"), undefined);
  assert.equal(webSocketUrlOf("ws://127.0.0.1:8080"), undefined);
  assert.equal(webSocketUrlOf("file:/tmp/x.db"), undefined);
});

/**
 * Opens a writer under Node (the node's runtime), writes `value` (unless undefined), prints the
 * transport.
 */
async function writeThrough(url: string, token: string | undefined, value: string | undefined) {
  const out = await runModuleUnder(
    "node",
    `
    import { openPrimaryWriter } from "./apps/udp-node/primary_writer.ts";
    const t0 = Date.now();
    const w = await openPrimaryWriter(${JSON.stringify(url)}, ${JSON.stringify(token)});
    const opened = Date.now() - t0;
    let wrote = "no";
    if (${JSON.stringify(value ?? null)} !== null) try {
      await w.client.batch([
        "CREATE TABLE IF NOT EXISTS writer_check (v TEXT)",
        { sql: "INSERT INTO writer_check (v) VALUES (?)", args: [${JSON.stringify(value)}] },
      ], "write");
      wrote = "yes";
    } catch (e) {
      wrote = "error: " + e.message;
    }
    w.client.close();
    console.log(JSON.stringify({ transport: w.transport, opened, wrote }));
  `,
  );
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!) as {
    transport: string;
    opened: number;
    wrote: string;
  };
}

Deno.test("a replica writes to an http:// sqld over a WebSocket, to one that refuses upgrades over HTTP", async () => {
  const sqld = await startSqld({ jwt: true });
  // An HTTP proxy in front of sqld that answers every WebSocket upgrade 400, as some do.
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (req.headers.get("upgrade")) return new Response("no upgrades here", { status: 400 });
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    return await fetch(`${sqld.url}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
    });
  });
  try {
    const direct = await writeThrough(sqld.url, sqld.token, "over-ws");
    assert.deepEqual([direct.transport, direct.wrote], ["websocket", "yes"]);

    const proxied = await writeThrough(
      `http://127.0.0.1:${proxy.addr.port}`,
      sqld.token,
      "over-http",
    );
    assert.deepEqual([proxied.transport, proxied.wrote], ["http", "yes"]);

    const rows = await sqld.client.execute("SELECT v FROM writer_check ORDER BY rowid");
    assert.deepEqual(Array.from(rows.rows, (r) => r.v), ["over-ws", "over-http"]);

    // A wrong token is refused over the WebSocket as over HTTP: the writer falls back to HTTP,
    // whose writes are refused as well (nothing written).
    const forged = await writeThrough(sqld.url, "not-a-jwt", "forged");
    assert.equal(forged.transport, "http");
    assert.match(forged.wrote, /^error: /);
    const after = await sqld.client.execute("SELECT count(*) AS n FROM writer_check");
    assert.equal(Number(after.rows[0].n), 2);
  } finally {
    await proxy.shutdown();
    sqld.client.close();
    await sqld.stop();
  }
});

Deno.test("a libsql:// primary (Turso's scheme) is written to over its WebSocket", async () => {
  const sqld = await startSqld({ jwt: true });
  try {
    // `@libsql/client` (Node) reads libsql:// as https://; the writer uses wss:// (ws:// with
    // ?tls=0, which needs the port), with the token of the URL's query when it has one.
    const r = await writeThrough(
      `libsql://127.0.0.1:${sqld.port}?tls=0&authToken=${sqld.token}`,
      undefined,
      "over-libsql",
    );
    assert.deepEqual([r.transport, r.wrote], ["websocket", "yes"]);
    const rows = await sqld.client.execute("SELECT v FROM writer_check");
    assert.deepEqual(Array.from(rows.rows, (row) => row.v), ["over-libsql"]);
  } finally {
    sqld.client.close();
    await sqld.stop();
  }
});

Deno.test("a primary away at start gets the HTTP writer after a bounded check", async () => {
  const sqld = await startSqld();
  try {
    await sqld.stop();
    const away = await writeThrough(sqld.url, undefined, "x");
    assert.equal(away.transport, "http");
    assert.ok(away.opened < 2500, `the check is bounded (${away.opened} ms)`);
    assert.match(away.wrote, /^error: /);
  } finally {
    sqld.client.close();
  }
});

Deno.test("a primary that accepts the connection and never answers gets the HTTP writer after 2 s", async () => {
  // A black hole: connections are accepted and held, nothing is ever answered.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) held.push(conn);
    } catch {
      // closed
    }
  })();
  try {
    const silent = await writeThrough(
      `http://127.0.0.1:${listener.addr.port}`,
      undefined,
      undefined,
    );
    assert.equal(silent.transport, "http");
    assert.ok(
      silent.opened >= 1900 && silent.opened < 4000,
      `the WebSocket check gave up at its bound (${silent.opened} ms)`,
    );
    assert.ok(held.length >= 1, "the check did connect");
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting;
  }
});
