import assert from "node:assert/strict";
import { runModuleUnder } from "../../tests/_support/node_process.ts";
import { startSqld } from "../../tests/_support/sqld.ts";

Deno.test({
  name: "a replica's first sync right after its open skips the primary probe; the next ones probe",
  sanitizeResources: false,
  async fn() {
    const sqld = await startSqld();
    const dir = await Deno.makeTempDir({ prefix: "dmp-replica-" });
    try {
      // Under Node (the node's runtime), counting the probe's requests for /health.
      const out = await runModuleUnder(
        "node",
        `
        import { ReplicaClient } from "./apps/udp-node/replica_client.ts";
        let probes = 0;
        const fetchOf = globalThis.fetch;
        globalThis.fetch = (input, init) => {
          if (String(input instanceof Request ? input.url : input).endsWith("/health")) probes++;
          return fetchOf(input, init);
        };
        const c = ReplicaClient.open({
          url: ${JSON.stringify(`file:${dir}/replica.db`)},
          syncUrl: ${JSON.stringify(sqld.url)},
          fileExists: false,
        });
        await c.sync();
        const first = probes;
        await c.sync();
        const second = probes;
        const rows = (await c.execute("SELECT count(*) AS n FROM dmp_schema")).rows;
        c.close();
        console.log(JSON.stringify({ first, second, schemaRows: Number(rows[0].n) }));
      `,
      );
      assert.equal(out.code, 0, out.stderr);
      const r = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
      assert.deepEqual(r, { first: 0, second: 1, schemaRows: 1 }, "the first sync pulled the data");
    } finally {
      sqld.client.close();
      await sqld.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
