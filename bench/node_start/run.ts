/**
 * Start-up time of the udp-node with a large zone: from process start to the
 * first correct answer (a TXT hit with its value, checked with dig), on a
 * `file:` database holding the benchmarks' 100,000-TXT-record zone
 * (`_support/txt_zone.ts`). Issue 15's target: ≤ 2 s. Also prints the CPU
 * seconds the node (both threads) had used by then, which a busy machine
 * does not inflate as it does the wall time, and its RSS and PSS once it
 * answers.
 *
 *   ./node_modules/.bin/deno run -A bench/node_start/run.ts [--records=100000] [--rounds=3] [--db=PATH] [--pin]
 *
 * `--db` keeps the generated database between runs (it is made when missing).
 * `--pin` runs the node on core 0 only (`taskset -c 0`), as udp_qps_vs_nsd does.
 *
 * @module
 */

import { BENCH_ZONE, generateTxtZone, loadTxtZone } from "../_support/txt_zone.ts";
import {
  buildNodeBundle,
  cleanupAll,
  freePort,
  sleep,
  spawnServer,
  stopProcess,
  udpNodeFlags,
} from "../_support/processes.ts";
import { cpuSecondsOf, exists, run } from "../_support/proc_stats.ts";
import { say } from "../_support/report.ts";

const args = new Map(
  Deno.args.map((a) => a.replace(/^--/, "").split("=") as [string, string]),
);
const records = Number(args.get("records") ?? 100_000);
const rounds = Number(args.get("rounds") ?? 3);
const dbPath = args.get("db") ?? `${Deno.makeTempDirSync({ prefix: "dmp-start-" })}/zone.db`;

const zone = generateTxtZone(20260602, records, "bench/node_start/run.ts");
if (!exists(dbPath)) {
  const t0 = performance.now();
  await loadTxtZone(`file:${dbPath}`, zone.records);
  say(
    `loaded ${records} records into ${dbPath} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
const hit = zone.records[12345 % zone.records.length];
const bundle = buildNodeBundle();

/** PSS and RSS of a process in KiB (smaps_rollup). */
function memory(pid: number): { rss: number; pss: number } {
  const text = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { rss: field("Rss"), pss: field("Pss") };
}

try {
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
        DMP_DB_URL: `file:${dbPath}`,
        DMP_DNS_HOST: "127.0.0.1",
        DMP_DNS_PORT: String(port),
        DMP_NODE_HTTP_HOST: "127.0.0.1",
        DMP_NODE_HTTP_PORT: String(await freePort()),
        DMP_LOG_LEVEL: "WARNING",
      },
    );
    let answered = 0;
    let cpu = 0;
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
        answered = (performance.now() - t0) / 1000;
        cpu = cpuSecondsOf(server.pid);
        break;
      }
      await sleep(20);
    }
    if (!answered) throw new Error(`no answer within 60 s:\n${server.logs()}`);
    await sleep(500);
    const m = memory(server.pid);
    say(
      `round ${round}: first correct answer ${answered.toFixed(2)} s after start ` +
        `(node CPU ${cpu.toFixed(2)} s${args.has("pin") ? ", pinned to core 0" : ""}); ` +
        `RSS ${(m.rss / 1024).toFixed(0)} MiB, PSS ${(m.pss / 1024).toFixed(0)} MiB ` +
        `(${records} TXT records in ${BENCH_ZONE})`,
    );
    await stopProcess(server.child);
  }
} finally {
  await cleanupAll();
}
