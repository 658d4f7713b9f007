/**
 * Every node signs with the key in the database: a running node starts
 * signing a zone within a sync of `enableZoneSigning` (what `dmp zone sign`
 * and the operator API call) made by another process, and a node with the
 * wrong sealing key keeps answering unsigned and says so in its log.
 */
import assert from "node:assert/strict";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { enableZoneSigning } from "../../packages/core/store/dnssec_keys.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess, waitFor } from "../_support/node_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "3c".repeat(32);

Deno.test({
  name: "a running node picks up a zone's new key within a sync; another sealing key cannot use it",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(
      db.client,
      { name: "reload.test", apexNs: ["ns1.reload.test"] },
      Date.now() / 1000,
    );
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_TSIG_SECRET_KEY: SEALING_KEY },
    });
    const stranger = await startNodeProcess({
      dbUrl: db.url,
      env: { DMP_TSIG_SECRET_KEY: "4d".repeat(32) },
    });
    try {
      const before = await dig(node.dnsPort, "reload.test", "SOA", ["+dnssec"]);
      assert.equal(before.status, "NOERROR");
      assert.ok(!before.answer.some((a) => a.type === "RRSIG"), "unsigned before");
      await enableZoneSigning(
        db.client,
        await createSecretBox(SEALING_KEY),
        "reload.test",
        15,
        Date.now() / 1000,
      );
      const signed = await waitFor(async () => {
        const r = await dig(node.dnsPort, "reload.test", "SOA", ["+dnssec"]);
        return r.answer.some((a) => a.type === "RRSIG" && /^SOA 15 /.test(a.data));
      }, 10_000);
      assert.ok(signed, "the node signs after its next sync");
      assert.ok(
        // The zone's KSK and ZSK.
        await waitFor(() => /2 DNSSEC keys cannot be opened/.test(stranger.logs()), 10_000),
        stranger.logs(),
      );
      const other = await dig(stranger.dnsPort, "reload.test", "SOA", ["+dnssec"]);
      assert.equal(other.status, "NOERROR");
      assert.ok(!other.answer.some((a) => a.type === "RRSIG"), "no key, no signature");
    } finally {
      await stranger.stop();
      await node.stop();
      db.client.close();
    }
  },
});
