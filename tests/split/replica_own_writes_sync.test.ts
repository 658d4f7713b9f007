/**
 * A replica that writes syncs after every few of its own group commits, not
 * only on its interval: a sync pulls every frame written since the last one
 * while the primary's writes wait, so small frequent syncs keep UPDATE
 * latency down under a steady stream (apps/udp-node/main.ts,
 * SYNC_AFTER_OWN_COMMITS). Real sqld, real node, real nsupdate.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { replicaNodeOptions, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { startSqld } from "../_support/sqld.ts";

const ZONE = "own.test";
const SEALING_KEY = "7c".repeat(32);
const now = () => Date.now() / 1000;

async function syncsOk(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return Number(/^dmp_replica_syncs_total\{result="ok"\} ([\d.]+)$/m.exec(text)?.[1] ?? 0);
}

Deno.test({
  name: "a replica syncs after 8 of its own commits although its interval is 30 s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sqld = await startSqld({ jwt: true });
    const remote = createClient({ url: sqld.url, authToken: sqld.token! });
    const dir = await Deno.makeTempDir({ prefix: "dmp-own-writes-" });
    let node: Awaited<ReturnType<typeof startNodeProcess>> | undefined;
    try {
      await migrate(remote);
      await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
      const secret = crypto.getRandomValues(new Uint8Array(32));
      await putTsigKey(remote, await createSecretBox(SEALING_KEY), {
        name: `wren.${ZONE}`,
        algorithm: "hmac-sha256",
        secret,
        allowedSuffixes: [`w.${ZONE}`],
        subject: "wren@own.test",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, now());
      node = await startNodeProcess(replicaNodeOptions(sqld, dir, {
        DMP_DB_SYNC_INTERVAL: "30",
        DMP_DNS_UPDATE_ENABLED: "1",
        DMP_TSIG_SECRET_KEY: SEALING_KEY,
      }));
      const before = await syncsOk(node.httpPort);
      // 16 UPDATEs one after the other: each its own group commit.
      const lines: string[] = [];
      for (let i = 0; i < 16; i++) lines.push(`update add n${i}.w.${ZONE} 300 TXT "v${i}"`, "send");
      const r = await nsupdate(node.dnsPort, ZONE, lines.slice(0, -1), {
        key: `hmac-sha256:wren.${ZONE}:${encodeBase64(secret)}`,
      });
      assert.equal(r.code, 0, r.output);
      assert.equal(
        (await readRecordsByName(
          remote,
          Array.from({ length: 16 }, (_, i) => `n${i}.w.${ZONE}`),
          now(),
        ))
          .length,
        16,
      );
      assert.ok(
        await waitFor(async () => (await syncsOk(node!.httpPort)) >= before + 2, 5000),
        `two syncs within 5 s of 16 commits (before ${before}, now ${await syncsOk(
          node.httpPort,
        )})`,
      );
      // The interval alone would not have synced again for 30 s.
      assert.ok((await syncsOk(node.httpPort)) <= before + 3);
    } finally {
      await node?.stop();
      remote.close();
      await sqld.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
