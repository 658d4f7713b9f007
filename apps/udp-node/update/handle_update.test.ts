/**
 * A committed UPDATE waits for its turn in the query-first lane before it is
 * answered (issue 15): a TSIG-signed RFC 2136 UPDATE goes through the real
 * handler on a migrated `file:` database; once its record is stored, no
 * answer comes until the test grants the lane's turn, and then the answer is
 * NOERROR, signed with the request's key.
 */
import assert from "node:assert/strict";
import { freshDatabase, waitFor } from "../../../tests/_support/node_process.ts";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { readRecordsByName } from "../../../packages/core/store/records.ts";
import { createSecretBox } from "../../../packages/core/store/secret_box.ts";
import { putTsigKey } from "../../../packages/core/store/tsig_keys.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { tsigKey } from "../../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../../packages/core/tsig/sign.ts";
import { verifyResponse } from "../../../packages/core/tsig/verify_response.ts";
import { CLASS, OPCODE, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../../packages/core/wire/message.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { QueryFirstLane } from "../pipeline/query_first_lane.ts";
import { JournalFollower } from "../zone_index/follow_journal.ts";
import { IndexPatchQueue } from "../zone_index/index_patch_queue.ts";
import { createUpdateHandler } from "./handle_update.ts";
import { NodeKeyring } from "./node_keyring.ts";

const ZONE = "lane.test";
const KEY_NAME = `ops.${ZONE}`;
const NAME = `id-lane.${ZONE}`;

Deno.test({
  name: "a committed UPDATE is answered on its lane turn, not before",
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    try {
      const now = Math.floor(Date.now() / 1000);
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const box = await createSecretBox("5e".repeat(32));
      await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now);
      await putTsigKey(db.client, box, {
        name: KEY_NAME,
        algorithm: "hmac-sha256",
        secret,
        allowedSuffixes: [ZONE],
        subject: "ops",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, now);
      const index = new ZoneIndex();
      await new JournalFollower(db.client, index).loadAll(now);
      const keyring = new NodeKeyring(db.client, box);
      await keyring.reload(now);

      // The test runs the lane's loop iterations: no turn is granted until it says so.
      const iterations: (() => void)[] = [];
      const lane = new QueryFirstLane((run) => iterations.push(run));
      const handle = createUpdateHandler({
        config: loadConfig({ DMP_DNS_UPDATE_ENABLED: "1" }),
        client: db.client,
        writer: db.client,
        index,
        indexPatches: new IndexPatchQueue(index),
        keyring,
        logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
        metrics: new MetricsRegistry(),
        lane,
      });

      const value = new TextEncoder().encode("v=dmp1;t=lane");
      const key = tsigKey(KEY_NAME, "hmac-sha256", secret);
      const request = await signRequest(
        encodeMessage({
          id: 4242,
          flags: 0,
          opcode: OPCODE.UPDATE,
          rcode: 0,
          questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
          answers: [],
          authorities: [{
            name: NAME,
            type: TYPE.TXT,
            class: CLASS.IN,
            ttl: 300,
            rdata: new Uint8Array([value.length, ...value]),
          }],
          additionals: [],
        }),
        { key, now },
      );

      let settled = false;
      const pending = handle(request.wire, { tcp: false, remoteAddress: "192.0.2.1", now });
      void pending.finally(() => settled = true);

      assert.ok(
        await waitFor(async () => (await readRecordsByName(db.client, [NAME], now)).length === 1),
        "the UPDATE is committed",
      );
      // After its commit the handler either waits in the lane or (without the lane) answers.
      assert.ok(await waitFor(() => settled || lane.waiting > 0), "the handler went on");
      assert.equal(settled, false, "no answer before the lane's turn");
      assert.equal(lane.waiting, 1);

      assert.equal(iterations.length, 1);
      iterations.shift()!();
      const { bytes } = await pending;
      assert.ok(bytes);
      const answer = decodeMessage(bytes);
      assert.ok(answer.ok);
      assert.equal(answer.message.id, 4242);
      assert.equal(answer.message.rcode, RCODE.NOERROR);
      assert.ok(answer.message.tsigOffset !== undefined, "the answer carries a TSIG RR");
      const tsig = await verifyResponse(bytes, answer.message.tsigOffset, {
        key,
        requestMac: request.mac,
        now,
      });
      assert.ok(tsig.ok, "the answer's TSIG verifies with the request's key");
    } finally {
      db.client.close();
      await Deno.remove(db.dir, { recursive: true });
    }
  },
});
