/**
 * Start-up time of the udp-node with a large zone: from process start to the
 * first correct answer (a TXT hit with its value, checked with dig), on a
 * `file:` database holding the benchmarks' 100,000-TXT-record zone
 * (`_support/txt_zone.ts`). Issue 15's target: ≤ 2 s. Also prints the CPU
 * seconds the node (both threads) had used by then, which a busy machine
 * does not inflate as it does the wall time, and its RSS and PSS once it
 * answers.
 *
 *   ./node_modules/.bin/deno run -A bench/node_start/run.ts [--records=100000] [--rounds=3] [--db=PATH] [--pin] [--replica]
 *
 * `--db` keeps the generated database between runs (it is made when missing).
 * `--pin` runs the node on core 0 only (`taskset -c 0`), as udp_qps_vs_nsd does.
 * `--replica` starts a new embedded replica each round instead: the zone is
 * written once to a local sqld (on core 0, as in udp_qps_vs_nsd), and every
 * round's node begins with no replica file, so its first sync fetches the
 * whole database before it can answer. sqld compacts its log first
 * (`waitForCompactedLog`), as a primary that has been up a while has.
 *
 * @module
 */

import { BENCH_ZONE, generateTxtZone, loadTxtZone } from "../_support/txt_zone.ts";
import {
  buildNodeBundle,
  cleanupAll,
  freePort,
  type Server,
  sleep,
  spawnServer,
  stopProcess,
  udpNodeFlags,
} from "../_support/processes.ts";
import { cpuSecondsOf, exists, memoryOf, run } from "../_support/proc_stats.ts";
import { startNsd } from "../_support/nsd.ts";
import { say } from "../_support/report.ts";
import { startPinnedSqld, waitForCompactedLog } from "../_support/sqld.ts";

const args = new Map(
  Deno.args.map((a) => a.replace(/^--/, "").split("=") as [string, string]),
);
const records = Number(args.get("records") ?? 100_000);
const rounds = Number(args.get("rounds") ?? 3);
const replica = args.has("replica");
const temps: string[] = [];
/** A temp dir that the run removes when it ends. */
function temp(): string {
  const dir = Deno.makeTempDirSync({ prefix: "dmp-start-" });
  temps.push(dir);
  return dir;
}
// A new replica has no database of its own before it starts: only the file: mode needs one.
const dbPath = replica ? "" : args.get("db") ?? `${temp()}/zone.db`;

const zone = generateTxtZone(20260602, records, "bench/node_start/run.ts");
const primaryDir = replica ? temp() : "";
const primary = replica ? await startPinnedSqld(primaryDir, { compactAfterSeconds: 2 }) : null;
if (primary || !exists(dbPath)) {
  const t0 = performance.now();
  await loadTxtZone(primary?.url ?? `file:${dbPath}`, zone.records, primary?.token);
  say(
    `loaded ${records} records into ${primary?.url ?? dbPath} in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
if (primary) {
  // As a primary that has been up a while: its log compacted, not the load's frames one by one.
  const t0 = performance.now();
  await waitForCompactedLog(primaryDir);
  say(`sqld compacted its log in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const hit = zone.records[12345 % zone.records.length];
const bundle = buildNodeBundle();

/**
 * Polls `dig` every 20 ms until `server` answers the hit's TXT query with its
 * value; resolves with the seconds since `t0` and the CPU seconds of the
 * server and its children by then, or throws after 60 s.
 */
async function firstAnswer(
  server: Server,
  port: number,
  t0: number,
): Promise<{ seconds: number; cpu: number }> {
  while (performance.now() - t0 < 60_000 && !server.exited()) {
    const r = run("dig", [
      "@127.0.0.1",
      "-p",
      String(port),
      "+tries=1",
      "+time=1",
      hit.name,
      "TXT",
    ]);
    if (/status: NOERROR/.test(r.out) && r.out.includes(hit.value.slice(0, 60))) {
      return { seconds: (performance.now() - t0) / 1000, cpu: cpuSecondsOf(server.pid) };
    }
    await sleep(20);
  }
  throw new Error(`${server.name}: no answer within 60 s:\n${server.logs()}`);
}

/** One round's line: time to the first answer, CPU by then, memory 0.5 s later. */
async function report(
  round: number,
  server: Server,
  label: string,
  at: { seconds: number; cpu: number },
  pinned: boolean,
) {
  await sleep(500);
  const m = memoryOf(server.pid);
  say(
    `round ${round}: ${label}: first correct answer ${at.seconds.toFixed(2)} s after start ` +
      `(CPU ${at.cpu.toFixed(2)} s${pinned ? ", pinned to core 0" : ""}); ` +
      `RSS ${(m.rssKiB / 1024).toFixed(0)} MiB, PSS ${(m.pssKiB / 1024).toFixed(0)} MiB`,
  );
}

/**
 * NSD, the peer, on the same zone and core 0 (`startNsd` pins it): started
 * from its zone file, or with `--replica` as a new secondary (no zone file
 * yet) of an NSD primary that serves the zone, which answers once it has
 * transferred the zone (AXFR) and loaded it.
 */
async function nsdPeer(): Promise<{ label: string; start(port: number): Server }> {
  const dir = temp();
  Deno.writeTextFileSync(`${dir}/${BENCH_ZONE}.zone`, zone.zoneFile);
  if (!replica) {
    return { label: "NSD from its zone file", start: (port) => startNsd(dir, port, BENCH_ZONE) };
  }
  const primaryPort = await freePort();
  const nsdPrimary = startNsd(dir, primaryPort, BENCH_ZONE, {
    zone: "  provide-xfr: 127.0.0.1 NOKEY\n",
  });
  // Loaded before the first round: loading the zone takes it 0.4 s of core 0, which the first
  // round's node (or secondary) would otherwise share.
  await firstAnswer(nsdPrimary, primaryPort, performance.now());
  return {
    label: "new NSD secondary",
    start: (port) =>
      startNsd(temp(), port, BENCH_ZONE, {
        zone: `  request-xfr: AXFR 127.0.0.1@${primaryPort} NOKEY\n`,
      }),
  };
}

try {
  const nsd = await nsdPeer();
  say(
    `${records} TXT records in ${BENCH_ZONE}; ` +
      (primary
        ? `each round starts a new replica of a local sqld, then a new NSD secondary of a local NSD`
        : `each round starts a node on a file: database (${dbPath}), then NSD on its zone file`),
  );
  for (let round = 1; round <= rounds; round++) {
    const port = await freePort();
    const t0 = performance.now();
    const cmd = args.has("pin") ? ["taskset", "-c", "0", "node"] : ["node"];
    const server = spawnServer(
      "node",
      cmd[0],
      [...cmd.slice(1), ...udpNodeFlags(), bundle, "node"],
      {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_COLOR: "1",
        ...(primary
          ? {
            DMP_DB_URL: `file:${temp()}/replica.db`,
            DMP_DB_SYNC_URL: primary.url,
            DMP_DB_AUTH_TOKEN: primary.token,
          }
          : { DMP_DB_URL: `file:${dbPath}` }),
        DMP_DNS_HOST: "127.0.0.1",
        DMP_DNS_PORT: String(port),
        DMP_NODE_HTTP_HOST: "127.0.0.1",
        DMP_NODE_HTTP_PORT: String(await freePort()),
        DMP_LOG_LEVEL: "WARNING",
      },
    );
    await report(
      round,
      server,
      primary ? "new replica" : "node",
      await firstAnswer(server, port, t0),
      args.has("pin"),
    );
    await stopProcess(server.child);
    const peerPort = await freePort();
    const peerT0 = performance.now();
    const peer = nsd.start(peerPort);
    await report(round, peer, nsd.label, await firstAnswer(peer, peerPort, peerT0), true);
    await stopProcess(peer.child);
  }
} finally {
  await cleanupAll();
  for (const dir of temps) Deno.removeSync(dir, { recursive: true });
}
