/**
 * Queries never wait for storage (issue 15 item 1): another process holds
 * the database's write lock, so the node's UPDATE transaction sits in
 * SQLite's busy wait (a native, synchronous call) for as long as the lock is
 * held. Meanwhile 100 UDP queries, sent over a second, are all answered
 * before the lock is released, and the UPDATE is still unanswered then (the
 * storage worker really was stalled); once the lock goes, the UPDATE applies.
 * With libSQL on the DNS thread, no query is answered until the lock goes.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { createClient } from "@libsql/client";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import { RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { buildQuery } from "../_support/raw_dns.ts";

const ZONE = "stall.test";
const SEALING_KEY = "6a".repeat(32);
const KEY_NAME = `operator.${ZONE}`;
const QUERIES = 100;
/** Bound on the whole lock: far below the node's busy timeout (FILE_BUSY_TIMEOUT_MS, 10 s). */
const MAX_HOLD_MS = 6000;

Deno.test({
  name: "100 UDP queries are answered while the storage worker waits on a write lock",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const now = Date.now() / 1000;
    await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now);
    const secret = crypto.getRandomValues(new Uint8Array(32));
    await putTsigKey(db.client, await createSecretBox(SEALING_KEY), {
      name: KEY_NAME,
      algorithm: "hmac-sha256",
      secret,
      allowedSuffixes: [ZONE],
      subject: "",
      registeredSpk: "",
      registeredX25519Pub: "",
      expiresAt: 0,
    }, now);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY },
    });
    const locker = createClient({ url: db.url });
    const sock = dgram.createSocket("udp4");
    try {
      // Another process takes the write lock (BEGIN IMMEDIATE) and keeps it.
      const tx = await locker.transaction("write");
      await tx.execute("DELETE FROM write_guard WHERE 0");
      const lockedAt = Date.now();
      let updateDone = false;
      const update = nsupdate(node.dnsPort, ZONE, [`update add late.${ZONE} 60 TXT "after"`], {
        key: `hmac-sha256:${KEY_NAME}:${encodeBase64(secret)}`,
      }).finally(() => updateDone = true);

      const answered = new Map<number, number>();
      await new Promise<void>((resolve, reject) => {
        sock.once("error", reject);
        sock.bind(0, "127.0.0.1", () => resolve());
      });
      sock.on("message", (msg) => {
        const d = decodeMessage(new Uint8Array(msg));
        if (d.ok) answered.set(d.message.id, d.message.rcode);
      });
      // Let the UPDATE reach the worker's busy wait, then send the queries over a second.
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < QUERIES; i++) {
        sock.send(buildQuery(ZONE, TYPE.SOA, i + 1), node.dnsPort, "127.0.0.1");
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(() => answered.size >= QUERIES, MAX_HOLD_MS - (Date.now() - lockedAt));
      const answeredWhileLocked = answered.size;
      const updatePendingWhileLocked = !updateDone;
      await tx.rollback();
      tx.close();

      assert.equal(answeredWhileLocked, QUERIES, "every query answered while the lock was held");
      assert.ok([...answered.values()].every((rcode) => rcode === RCODE.NOERROR));
      assert.ok(
        updatePendingWhileLocked,
        "the UPDATE waited for the lock (the worker was stalled)",
      );
      const result = await update;
      assert.equal(result.code, 0, result.output);
      const after = await dig(node.dnsPort, `late.${ZONE}`, "TXT");
      assert.equal(after.answer[0]?.data, '"after"');
    } finally {
      sock.close();
      locker.close();
      await node.stop();
      db.client.close();
    }
  },
});
