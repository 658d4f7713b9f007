// deno-lint-ignore-file no-console -- a benchmark prints its table
/**
 * Propagation benchmark (issue 5): a write committed at the libSQL primary
 * (the edge API's write path) → the moment each udp-node on an embedded
 * replica answers it over DNS. 200 writes, sequential, p50/p99 per node.
 * With `--signal` (the default) an edge (Deno) serves the change signal
 * `/v1/sync/journal-head` and the nodes subscribe to it (DMP_SYNC_SIGNAL_URL,
 * issue 15); `--signal=false` measures polling alone.
 *
 * Run: ./node_modules/.bin/deno run -A bench/edge_write_visibility/run.ts [--writes N] [--interval S] [--signal=false]
 */
import { createClient } from "@libsql/client";
import { parseArgs } from "node:util";
import { migrate } from "../../packages/core/store/migrate.ts";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { replicaNodeOptions, startNodeProcess } from "../../tests/_support/node_process.ts";
import { startSqld } from "../../tests/_support/sqld.ts";
import { type EdgeProcess, startEdge } from "../../tests/_support/edge_process.ts";
import { buildQuery, udpExchange } from "../../tests/_support/raw_dns.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    writes: { type: "string", default: "200" },
    interval: { type: "string", default: "0.5" },
    signal: { type: "string", default: "true" },
  },
});
const SIGNAL = values.signal !== "false";
const SIGNAL_TOKEN = "bench-sync-signal-token";
const WRITES = Number(values.writes);
const INTERVAL = values.interval!;
const ZONE = "prop.test";

console.error("starting sqld and two nodes…");
const sqld = await startSqld({ jwt: true });
const remote = createClient({ url: sqld.url, authToken: sqld.token! });
await migrate(remote);
await upsertZone(remote, { name: ZONE }, Date.now() / 1000);
const edge: EdgeProcess | undefined = SIGNAL
  ? await startEdge({
    runtime: "deno",
    env: {
      DMP_DB_URL: sqld.url,
      DMP_DB_AUTH_TOKEN: sqld.token!,
      DMP_HTTP_HOST: "127.0.0.1",
      DMP_HTTP_PORT: "0",
      DMP_SYNC_SIGNAL_TOKEN: SIGNAL_TOKEN,
      DMP_LOG_LEVEL: "ERROR",
    },
  })
  : undefined;
const nodes = [];
for (let i = 0; i < 2; i++) {
  const dir = await Deno.makeTempDir({ prefix: "dmp-prop-" });
  nodes.push(
    await startNodeProcess(replicaNodeOptions(sqld, dir, {
      DMP_DB_SYNC_INTERVAL: INTERVAL,
      ...(edge
        ? {
          DMP_SYNC_SIGNAL_URL: `${edge.url}/v1/sync/journal-head`,
          DMP_SYNC_SIGNAL_TOKEN: SIGNAL_TOKEN,
        }
        : {}),
    })),
  );
}
console.error("nodes up; writing");
const latencies: number[][] = nodes.map(() => []);
try {
  for (let w = 0; w < WRITES; w++) {
    const name = `w${w}.${ZONE}`;
    // Random phase against the nodes' sync ticks: sequential writes would otherwise lock to them.
    await new Promise((res) => setTimeout(res, Math.random() * Number(INTERVAL) * 1000));
    await applyRecordChanges(remote, [{
      op: "add",
      zone: ZONE,
      name,
      type: "TXT",
      value: `v${w}`,
      ttl: 60,
      lifetime: 600,
    }], {
      now: Date.now() / 1000,
    });
    const t0 = performance.now();
    await Promise.all(nodes.map(async (n, i) => {
      const deadline = t0 + 10_000;
      while (performance.now() < deadline) {
        const r = await udpExchange(n.dnsPort, buildQuery(name, TYPE.TXT, w & 0xffff), 200);
        if (r && (r[3] & 0xf) === 0 && ((r[6] << 8) | r[7]) > 0) {
          latencies[i].push(performance.now() - t0);
          return;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      latencies[i].push(Infinity);
    }));
  }
} finally {
  for (const n of nodes) await n.stop();
  await edge?.stop();
  remote.close();
  await sqld.stop();
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const lines = [
  `edge_write_visibility: ${WRITES} writes at the sqld primary, 2 udp-nodes on embedded replicas, DMP_DB_SYNC_INTERVAL=${INTERVAL}s, change signal ${
    SIGNAL ? "on (edge /v1/sync/journal-head)" : "off"
  }`,
  `host: ${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`,
  "| node | p50 ms | p99 ms | max ms | lost |",
  "| --- | --- | --- | --- | --- |",
  ...latencies.map((l, i) => {
    const lost = l.filter((x) => !Number.isFinite(x)).length;
    return `| node ${i + 1} | ${pct(l, 50).toFixed(0)} | ${pct(l, 99).toFixed(0)} | ${
      Math.max(...l).toFixed(0)
    } | ${lost} |`;
  }),
  `target: p99 ≤ 250 ms with the change signal (issue 15), the poll interval unchanged or longer`,
];
console.log(lines.join("\n"));
await Deno.mkdir("bench/results", { recursive: true });
await Deno.writeTextFile(
  `bench/results/${new Date().toISOString().slice(0, 10)}-edge_write_visibility.txt`,
  lines.join("\n") + "\n",
);
