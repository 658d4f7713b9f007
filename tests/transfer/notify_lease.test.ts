/**
 * NOTIFY from one node only (issue 16): two nodes serve one database; only
 * the holder of the NOTIFY lease tells a secondary about a serial change,
 * once per change (retries only until answered), and when it stops the other
 * node takes the lease over and notifies. A burst of changes is notified at
 * most once a second, the last NOTIFY carrying the last serial.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { putTransferPolicy } from "../../packages/core/store/transfer_policy.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { decodeSoaRdata } from "../../packages/core/wire/rdata.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "lease.test";
const now = () => Date.now() / 1000;

/**
 * A secondary that records each NOTIFY (its ID, the serial of its SOA and when it came) and
 * answers NOERROR (QR set, same ID and question), so the sender stops retrying.
 */
async function listeningSecondary(port: number) {
  const seen: { id: number; serial: number; at: number }[] = [];
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const d = decodeMessage(new Uint8Array(msg));
    if (!d.ok || d.message.opcode !== 4) return;
    const soa = d.message.answers.find((rr) => rr.type === 6);
    seen.push({
      id: d.message.id,
      serial: soa ? decodeSoaRdata(soa.rdata)!.serial : -1,
      at: Date.now(),
    });
    const reply = new Uint8Array(msg);
    reply[2] |= 0x80;
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(port, "127.0.0.1", () => r()));
  return { seen, close: () => sock.close() };
}

/** A zone whose transfer policy names one NOTIFY target on 127.0.0.1:`port`. */
async function zoneNotifying(client: SqlClient, port: number) {
  await upsertZone(client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  await putTransferPolicy(client, {
    zone: ZONE,
    allowKeys: [],
    allowNets: ["127.0.0.0/8"],
    notify: [{ address: "127.0.0.1", port, key: "" }],
  }, now());
}

/** Adds a TXT record at `name` and returns the zone's serial after it. */
async function change(client: SqlClient, name: string) {
  await applyRecordChanges(client, [
    { op: "add", zone: ZONE, name: `${name}.${ZONE}`, type: "TXT", value: name, ttl: 60 },
  ], { now: now() });
  const r = await client.execute({
    sql: "SELECT serial FROM zones WHERE name = ?",
    args: [ZONE],
  });
  return Number(r.rows[0].serial);
}

Deno.test({
  name: "two nodes, one NOTIFY per serial change; the other node takes over when the holder stops",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const port = await freePort();
    const secondary = await listeningSecondary(port);
    const seen = secondary.seen;
    const nodes: NodeProcess[] = [];
    try {
      await zoneNotifying(db.client, port);
      nodes.push(await startNodeProcess({ dbUrl: db.url, dir: db.dir }));
      assert.ok(await waitFor(() => /took the NOTIFY lease/.test(nodes[0].logs()), 10000));
      nodes.push(await startNodeProcess({ dbUrl: db.url, dir: db.dir }));
      // Both nodes follow the journal; only the holder notifies.
      const s1 = await change(db.client, "one");
      assert.ok(await waitFor(() => seen.some((n) => n.serial === s1), 5000), JSON.stringify(seen));
      // Time for a second node's NOTIFY to show up, if it (wrongly) sent one.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(seen.filter((n) => n.serial === s1).length, 1, JSON.stringify(seen));
      assert.doesNotMatch(nodes[1].logs(), /took the NOTIFY lease/);
      const metrics = async (n: NodeProcess) =>
        await (await fetch(`http://127.0.0.1:${n.httpPort}/metrics`)).text();
      assert.match(await metrics(nodes[0]), /^dmp_notify_sent_total\{result="noerror"\} [1-9]/m);
      assert.doesNotMatch(await metrics(nodes[1]), /dmp_notify_sent_total/);

      assert.equal(await nodes[0].stop(), 0);
      const s2 = await change(db.client, "two");
      assert.ok(
        await waitFor(() => seen.some((n) => n.serial === s2), 15000),
        `no NOTIFY for ${s2} after the holder stopped:\n${nodes[1].logs()}`,
      );
      assert.match(nodes[1].logs(), /took the NOTIFY lease/);
    } finally {
      for (const n of nodes) await n.stop();
      secondary.close();
      db.client.close();
    }
  },
});

Deno.test({
  name:
    "a burst of 40 changes is notified at most once a second, the last NOTIFY with the last serial",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    const port = await freePort();
    const secondary = await listeningSecondary(port);
    let node: NodeProcess | undefined;
    try {
      await zoneNotifying(db.client, port);
      // A catch-up every 50 ms: without the interval each would send its own NOTIFY.
      node = await startNodeProcess({
        dbUrl: db.url,
        dir: db.dir,
        env: { DMP_DB_SYNC_INTERVAL: "0.05" },
      });
      assert.ok(await waitFor(() => /took the NOTIFY lease/.test(node!.logs()), 10000));
      assert.ok(await waitFor(() => secondary.seen.length > 0, 5000), "no NOTIFY at takeover");
      const started = Date.now();
      let last = 0;
      for (let i = 0; i < 40; i++) {
        last = await change(db.client, `burst-${i}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const burstMs = Date.now() - started;
      assert.ok(
        await waitFor(() => secondary.seen.some((n) => n.serial === last), 3000),
        `no NOTIFY for the last serial ${last}: ${JSON.stringify(secondary.seen)}`,
      );
      const during = secondary.seen.filter((n) => n.at >= started);
      // One a second at most, plus the one that may open the burst.
      assert.ok(
        during.length <= Math.ceil(burstMs / 1000) + 2,
        `${during.length} NOTIFYs in ${burstMs} ms: ${JSON.stringify(during)}`,
      );
      for (let i = 1; i < during.length; i++) {
        assert.ok(during[i].at - during[i - 1].at >= 900, JSON.stringify(during));
      }
    } finally {
      await node?.stop();
      secondary.close();
      db.client.close();
    }
  },
});
