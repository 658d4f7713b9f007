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
import { applyRecordChanges, readJournalHead } from "../../packages/core/store/records.ts";
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
      // The nodes' DEBUG timing lines ("change signalled", "sync tick applied") give the breakdown.
      DMP_LOG_LEVEL: "DEBUG",
      DMP_LOG_FORMAT: "json",
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
const nodeLogs: string[] = [];
/** Per write: when the edge's long-poll (a subscriber like the nodes) answered, ms after commit. */
const edgeWake: number[] = [];
/** Per write: its journal sequence, the unix ms its commit returned, and when each node answered. */
const written: { seq: number; commitAt: number; visibleAt: number[] }[] = [];
try {
  for (let w = 0; w < WRITES; w++) {
    const name = `w${w}.${ZONE}`;
    // Random phase against the nodes' sync ticks: sequential writes would otherwise lock to them.
    await new Promise((res) => setTimeout(res, Math.random() * Number(INTERVAL) * 1000));
    // The breakdown's first stage: this script subscribes to the edge's signal as a node does,
    // so "commit → the edge wakes its long-polls" is measured apart from the nodes' sync.
    let wokeAt = NaN;
    const woke = edge
      ? fetch(
        `${edge.url}/v1/sync/journal-head?after=${await readJournalHead(remote)}`,
        { headers: { authorization: `Bearer ${SIGNAL_TOKEN}` } },
      ).then(async (r) => {
        await r.body?.cancel();
        wokeAt = performance.now();
      })
      : Promise.resolve();
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
    const commitAt = Date.now();
    const seq = readJournalHead(remote);
    const visibleAt = nodes.map(() => NaN);
    await Promise.all(nodes.map(async (n, i) => {
      const deadline = t0 + 10_000;
      while (performance.now() < deadline) {
        const r = await udpExchange(n.dnsPort, buildQuery(name, TYPE.TXT, w & 0xffff), 200);
        if (r && (r[3] & 0xf) === 0 && ((r[6] << 8) | r[7]) > 0) {
          latencies[i].push(performance.now() - t0);
          visibleAt[i] = Date.now();
          return;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      latencies[i].push(Infinity);
    }));
    await woke;
    if (edge) edgeWake.push(wokeAt - t0);
    written.push({ seq: await seq, commitAt, visibleAt });
  }
} finally {
  nodeLogs.push(...nodes.map((n) => n.logs()));
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
  ...(edge
    ? [
      `commit → the edge answers a held long-poll (a subscriber in this script): p50 ${
        pct(edgeWake, 50).toFixed(0)
      } ms, p99 ${pct(edgeWake, 99).toFixed(0)} ms, max ${
        Math.max(...edgeWake).toFixed(0)
      } ms (negative: before the commit's HTTP answer reached this script)`,
    ]
    : []),
];
lines.push(...breakdown());
console.log(lines.join("\n"));
await Deno.mkdir("bench/results", { recursive: true });
await Deno.writeTextFile(
  `bench/results/${new Date().toISOString().slice(0, 10)}-edge_write_visibility.txt`,
  lines.join("\n") + "\n",
);

/**
 * Where the time between a commit and a node's answer goes, per write and node, from the
 * nodes' DEBUG lines (unix ms, same host clock): the change signal heard, the sync tick that
 * applied the write started, its replica sync returned, its index patches applied, the answer
 * seen by this script.
 */
function breakdown(): string[] {
  type Tick = {
    seq: number;
    by: string;
    /** "primary": read from the primary on the signal, before the replica's sync */
    from: string;
    startedAt: number;
    syncedAt: number;
    appliedAt: number;
  };
  const parse = (log: string) => {
    const signals: { head: number; at: number }[] = [];
    const ticks: Tick[] = [];
    for (const line of log.split("\n")) {
      if (!line.startsWith("{")) continue;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch {
        continue;
      }
      if (o.msg === "change signalled") {
        signals.push({ head: Number(o.head), at: Date.parse(String(o.ts)) });
      } else if (o.msg === "sync tick applied") {
        ticks.push({
          seq: Number(o.seq),
          by: String(o.by),
          from: String(o.from ?? "replica"),
          startedAt: Number(o.started_at),
          syncedAt: Number(o.synced_at),
          appliedAt: Number(o.applied_at),
        });
      }
    }
    return { signals, ticks };
  };
  const stages = ["signal heard", "tick started", "sync returned", "patch applied", "answered"];
  const per: number[][] = stages.map(() => []);
  const rows: { w: number; node: number; by: string; t: number[] }[] = [];
  let fromPrimary = 0;
  nodeLogs.forEach((log, node) => {
    const { signals, ticks } = parse(log);
    written.forEach((wr, w) => {
      const sig = signals.find((x) => x.head >= wr.seq);
      const tick = ticks.find((x) => x.seq >= wr.seq);
      const t = [
        sig ? sig.at - wr.commitAt : NaN,
        tick ? tick.startedAt - wr.commitAt : NaN,
        tick ? tick.syncedAt - wr.commitAt : NaN,
        tick ? tick.appliedAt - wr.commitAt : NaN,
        wr.visibleAt[node] - wr.commitAt,
      ];
      t.forEach((v, i) => Number.isFinite(v) && per[i].push(v));
      rows.push({ w, node, by: tick?.by ?? "?", t });
      if (tick?.from === "primary") fromPrimary++;
    });
  });
  const out = [
    "",
    "breakdown, ms after the commit returned (both nodes; from the nodes' DEBUG lines):",
    "| stage | p50 | p99 | max |",
    "| --- | --- | --- | --- |",
    ...stages.map((name, i) =>
      `| ${name} | ${pct(per[i], 50)?.toFixed(0)} | ${pct(per[i], 99)?.toFixed(0)} | ${
        Math.max(...per[i]).toFixed(0)
      } |`
    ),
    "the five slowest answers (write, node, woken by, then the stages above in ms):",
  ];
  for (const r of rows.sort((a, b) => b.t[4] - a.t[4]).slice(0, 5)) {
    out.push(
      `  write ${r.w} node ${r.node + 1} by ${r.by}: ${r.t.map((v) => v.toFixed(0)).join(" / ")}`,
    );
  }
  const bySignal = rows.filter((r) => r.by === "signal").length;
  out.push(`applied by a signalled tick: ${bySignal} of ${rows.length}; the rest by the poll`);
  out.push(
    `read from the primary on the signal (before the replica's sync): ${fromPrimary} of ${rows.length}`,
  );
  return out;
}
