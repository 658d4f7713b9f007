/**
 * DoH hardening (issue 12 #6, issue 13) against a real node over loopback:
 * a rate bucket per client (one client flooding no longer starves the rest),
 * a streaming body cap (a chunked 400 MB POST is cut off with 413, the node's
 * memory does not follow it), and Cache-Control bounded by the answer's TTLs.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** One HTTP/1.1 request from a chosen loopback source address; resolves with the raw response. */
function httpFrom(from: string, port: number, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port, localAddress: from });
    let text = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no response from ${from} in ${timeoutMs} ms: ${text}`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(request));
    sock.on("data", (d: Uint8Array) => text += new TextDecoder().decode(d));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

function dohGet(name: string, type: number, id = 1): string {
  const q = base64url(buildQuery(name, type, id));
  return `GET /dns-query?dns=${q} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n` +
    `X-Forwarded-For: 198.51.100.${id % 250}\r\n\r\n`;
}

const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

/** Deno.Conn.write may write part of a buffer. */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

function rssKb(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

Deno.test({
  name: "DoH: each client has its own bucket; a forged X-Forwarded-For does not buy a new one",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: "doh.test" }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RATE: "0.5", DMP_DNS_BURST: "10" },
    });
    try {
      // The flooder: 40 requests, each with a different forged X-Forwarded-For (no proxy is
      // trusted, so the header must be ignored).
      const flood = await Promise.all(
        Array.from(
          { length: 40 },
          (_, i) => httpFrom("127.0.0.2", node.httpPort, dohGet("doh.test", TYPE.SOA, i)),
        ),
      );
      const ok = flood.filter((r) => status(r) === 200).length;
      assert.ok(ok >= 10 && ok <= 12, `flooder got ${ok} answers of 40`);
      assert.ok(flood.filter((r) => status(r) === 400).length >= 28);
      // Another client is served in full (with one shared bucket it got nothing).
      for (let i = 0; i < 5; i++) {
        const r = await httpFrom("127.0.0.3", node.httpPort, dohGet("doh.test", TYPE.SOA, 100 + i));
        assert.equal(status(r), 200, r.slice(0, 200));
      }
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name: "DoH: a chunked 400 MB POST is cut off with 413 and the node's RSS stays flat",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir });
    try {
      const pid = node.child.pid;
      // Warm the DoH path so the baseline includes its code.
      await httpFrom("127.0.0.1", node.httpPort, dohGet("doh.test", TYPE.SOA));
      const before = rssKb(pid);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: node.httpPort });
      const head = "POST /dns-query HTTP/1.1\r\nHost: node\r\n" +
        "Content-Type: application/dns-message\r\nTransfer-Encoding: chunked\r\n\r\n";
      await writeAll(conn, new TextEncoder().encode(head));
      // One well-formed chunk of 64 KiB: "10000\r\n" + data + "\r\n" (RFC 9112 §7.1).
      const size = new TextEncoder().encode("10000\r\n");
      const chunk = new Uint8Array(size.length + 65536 + 2).fill(0x41);
      chunk.set(size);
      chunk.set(new TextEncoder().encode("\r\n"), chunk.length - 2);
      let sent = 0;
      let response = "";
      let reset = false;
      const reading = (async () => {
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await conn.read(buf).catch(() => {
            reset = true;
            return null;
          });
          if (n === null) break;
          response += new TextDecoder().decode(buf.subarray(0, n));
        }
      })();
      const deadline = Date.now() + 30_000;
      // Keep sending until the node stops taking bytes (or 400 MB went through).
      while (sent < 400 * 1024 * 1024 && Date.now() < deadline) {
        const wrote = await Promise.race([
          writeAll(conn, chunk).then(() => true, () => false),
          new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
        ]);
        if (!wrote) break;
        sent += 65536;
      }
      try {
        conn.close();
      } catch { /* closed by the node */ }
      await reading;
      const after = rssKb(pid);
      // The node answers 413 and closes with our unread bytes queued, so the kernel may send RST
      // after the answer, and an RST can discard an answer not yet read (RFC 9293 §3.10.7.4).
      // Only then may the answer be missing; the limit itself is asserted by `sent` and RSS.
      if (!(reset && response === "")) {
        assert.match(response, /^HTTP\/1\.1 413/, response.slice(0, 200));
      }
      assert.ok(sent < 64 * 1024 * 1024, `the node kept reading: ${sent >> 20} MB accepted`);
      assert.ok(after - before < 50 * 1024, `RSS grew ${(after - before) >> 10} MB`);
      // The node still answers.
      const r = await httpFrom("127.0.0.1", node.httpPort, dohGet("doh.test", TYPE.SOA));
      assert.ok(status(r) === 200 || status(r) === 400, r.slice(0, 100));
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});

Deno.test({
  name: "DoH: Cache-Control max-age is the smallest answer TTL, or the SOA minimum when negative",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const now = Date.now() / 1000;
    await upsertZone(db.client, { name: "doh.test", soaMinimum: 17 }, now);
    await applyRecordChanges(db.client, [
      { op: "add", zone: "doh.test", name: "t.doh.test", type: "TXT", value: "a", ttl: 42 },
      { op: "add", zone: "doh.test", name: "t.doh.test", type: "TXT", value: "b", ttl: 50 },
    ], { now });
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir });
    try {
      const get = async (name: string) => {
        const q = base64url(buildQuery(name, TYPE.TXT));
        const res = await fetch(`http://127.0.0.1:${node.httpPort}/dns-query?dns=${q}`);
        const body = new Uint8Array(await res.arrayBuffer());
        const m = decodeMessage(body);
        assert.ok(m.ok);
        return { cc: res.headers.get("cache-control"), m: m.message };
      };
      const pos = await get("t.doh.test");
      assert.equal(pos.m.answers.length, 2);
      const minTtl = Math.min(...pos.m.answers.map((a) => a.ttl));
      assert.equal(pos.cc, `max-age=${minTtl}`);
      assert.ok(minTtl <= 42);
      const neg = await get("nope.doh.test");
      assert.equal(neg.m.rcode, 3);
      assert.equal(neg.cc, "max-age=17");
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
