/**
 * Benchmark of issue 2: UDP queries/s of the udp-node (under Node and under
 * Deno) against NSD on the same 100,000-TXT-record zone, each server pinned
 * to CPU core 0 and dnsperf pinned to core 1, in one run.
 *
 *   ./node_modules/.bin/deno run -A bench/udp_qps_vs_nsd/run.ts [options]
 *   npm run bench -- [options]
 *
 * Options: --duration=S (15) --warmup=S (2) --clients=N (4) --qps=N (cap; none)
 * --latency-qps=N (fixed-rate latency phase, 10000; 0 = off) --latency-duration=S (5)
 * --only=node,deno,nsd --records=N (100000) --seed=N --cpu-prof (profile the Node
 * contender with --cpu-prof and print its hottest functions) --keep (keep the temp dir)
 * --rounds=N (3: the contenders alternate N times; the table shows each one's median
 * round and the verdict the median of the per-round qps ratios).
 *
 * Every process started binds 127.0.0.1 only and is killed at the end, also on
 * error or Ctrl-C. The summary and the raw dnsperf output go to
 * bench/results/<date>-udp_qps_vs_nsd.txt.
 *
 * @module
 */

import {
  buildNodeBundle,
  cleanupAll,
  descendants,
  freePort,
  type Server,
  sleep,
  spawnServer,
  stopProcess,
} from "../_support/processes.ts";
import { DNSPERF_BIN, percentileMs, runDnsperf, summaryNumber } from "../_support/dnsperf.ts";
import { coreTicks, cpuSecondsOf, run } from "../_support/proc_stats.ts";
import { BENCH_ZONE, generateTxtZone, HEX, loadTxtZone } from "../_support/txt_zone.ts";
import { NSD_BIN, startNsd } from "../_support/nsd.ts";
import { summarizeCpuProfile } from "../_support/cpu_profile.ts";
import {
  describeHost,
  keep,
  requireFiles,
  runBench,
  saveResults,
  say,
} from "../_support/report.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ZONE = BENCH_ZONE;
const DENO_BIN = `${ROOT}node_modules/.bin/deno`;

// ---------------------------------------------------------------- options

interface Options {
  duration: number;
  warmup: number;
  clients: number;
  qpsCap: number;
  latencyQps: number;
  latencyDuration: number;
  only: string[];
  records: number;
  seed: number;
  cpuProf: boolean;
  keep: boolean;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: 15,
    warmup: 2,
    clients: 4,
    qpsCap: 0,
    latencyQps: 10000,
    latencyDuration: 5,
    only: ["node", "deno", "nsd"],
    records: 100_000,
    seed: 20260602,
    cpuProf: false,
    keep: false,
    rounds: 3,
  };
  for (const a of argv) {
    const [k, v = ""] = a.replace(/^--/, "").split("=", 2);
    const n = Number(v);
    if (k === "duration") o.duration = n;
    else if (k === "warmup") o.warmup = n;
    else if (k === "clients") o.clients = n;
    else if (k === "qps") o.qpsCap = v === "none" ? 0 : n;
    else if (k === "latency-qps") o.latencyQps = n;
    else if (k === "latency-duration") o.latencyDuration = n;
    else if (k === "only") o.only = v.split(",").filter(Boolean);
    else if (k === "records") o.records = n;
    else if (k === "seed") o.seed = n;
    else if (k === "cpu-prof") o.cpuProf = true;
    else if (k === "keep") o.keep = true;
    else if (k === "rounds") o.rounds = Math.max(1, Math.floor(n));
    else if (k === "help" || k === "h") {
      say(
        "usage: deno run -A bench/udp_qps_vs_nsd/run.ts [--duration=15] [--warmup=2] " +
          "[--clients=4] [--qps=N|none] [--latency-qps=10000] [--latency-duration=5] " +
          "[--only=node,deno,nsd] [--records=100000] [--seed=N] [--cpu-prof] [--keep] [--rounds=3]",
      );
      Deno.exit(0);
    } else throw new Error(`unknown option ${a}`);
    if (Number.isNaN(n) && !["only", "cpu-prof", "keep", "qps"].includes(k)) {
      throw new Error(`bad value in ${a}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- output

// ---------------------------------------------------------------- processes

/** RSS and PSS (KiB) summed over the process and its descendants. */
function memoryOf(root: number): { rssKiB: number; pssKiB: number; pids: number[] } {
  const pids = [root, ...descendants(root)];
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      rss += m ? Number(m[1]) : 0;
      const p = /^Pss:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`));
      pss += p ? Number(p[1]) : 0;
    } catch { /* gone */ }
  }
  return { rssKiB: rss, pssKiB: pss, pids };
}

/** Busy share of each core between two {@linkcode coreTicks} readings (shows other load). */
function coreBusy(a: [number, number][], b: [number, number][]): number[] {
  return b.map(([busy, total], i) => (busy - a[i][0]) / Math.max(1, total - a[i][1]));
}

// ---------------------------------------------------------------- data

interface Dataset {
  zoneFile: string;
  queries: string;
  records: { name: string; value: string }[];
  queryMix: { existing: number; nxdomain: number; soa: number };
  valueBytes: { min: number; max: number; mean: number };
}

/** The shared bench zone (`bench/_support/txt_zone.ts`) and a dnsperf query file for it. */
function generate(seed: number, count: number): Dataset {
  const zone = generateTxtZone(seed, count, "bench/udp_qps_vs_nsd/run.ts");
  const { records, mailboxes, pick } = zone;
  const r = zone.random;
  // Query file: ~90% existing names (random case would defeat nothing here; keep
  // lower case as resolvers mostly send), ~9% NXDOMAIN, ~1% apex SOA.
  const q: string[] = [];
  const mix = { existing: 0, nxdomain: 0, soa: 0 };
  const nQueries = 200_000;
  for (let i = 0; i < nQueries; i++) {
    const x = r();
    if (x < 0.9) {
      q.push(`${records[Math.floor(r() * records.length)].name} TXT`);
      mix.existing++;
    } else if (x < 0.99) {
      let mb = pick(HEX, 12);
      while (mailboxes.has(mb)) mb = pick(HEX, 12);
      q.push(`slot-${Math.floor(r() * 10)}.mb-${mb}.${ZONE} TXT`);
      mix.nxdomain++;
    } else {
      q.push(`${ZONE} SOA`);
      mix.soa++;
    }
  }
  return {
    zoneFile: zone.zoneFile,
    queries: q.join("\n") + "\n",
    records,
    queryMix: mix,
    valueBytes: zone.valueBytes,
  };
}

// ---------------------------------------------------------------- DNS checks

interface DigAnswer {
  status: string;
  answers: number;
  authority: number;
  text: string;
}

function dig(port: number, name: string, type: string, tcp = false): DigAnswer | null {
  const args = [`@127.0.0.1`, "-p", String(port), "+tries=1", "+time=1", name, type];
  if (tcp) args.push("+tcp");
  const r = run("dig", args);
  const status = /status: (\w+)/.exec(r.out)?.[1];
  if (r.code !== 0 || !status) return null;
  return {
    status,
    answers: Number(/ANSWER: (\d+)/.exec(r.out)?.[1] ?? -1),
    authority: Number(/AUTHORITY: (\d+)/.exec(r.out)?.[1] ?? -1),
    text: r.out,
  };
}

async function waitUntilAnswering(server: Server, port: number, timeoutMs: number) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (server.exited()) throw new Error(`${server.name} exited during start:\n${server.logs()}`);
    const a = dig(port, ZONE, "SOA");
    if (a && a.status === "NOERROR" && a.answers === 1) return (performance.now() - t0) / 1000;
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms:\n${server.logs()}`);
}

/** The same three questions answered alike by every server (else the comparison is void). */
function sanity(port: number, data: Dataset): string {
  const hit = data.records[12345 % data.records.length];
  const checks: [string, string, string, number][] = [
    [hit.name, "TXT", "NOERROR", 1],
    [hit.name.toUpperCase(), "TXT", "NOERROR", 1],
    [`nope.${ZONE}`, "TXT", "NXDOMAIN", 0],
    [ZONE, "SOA", "NOERROR", 1],
  ];
  const out: string[] = [];
  for (const [name, type, status, answers] of checks) {
    const a = dig(port, name, type);
    const got = a ? `${a.status}/${a.answers}` : "no answer";
    if (!a || a.status !== status || a.answers !== answers) {
      throw new Error(
        `sanity check failed: ${name} ${type} → ${got}, expected ${status}/${answers}`,
      );
    }
    if (type === "TXT" && answers === 1 && !a.text.includes(hit.value.slice(0, 60))) {
      throw new Error(`sanity check failed: ${name} TXT value differs`);
    }
    out.push(`${name} ${type} ${got}`);
  }
  return out.join("; ");
}

// ---------------------------------------------------------------- dnsperf

interface PerfResult {
  qps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sent: number;
  completed: number;
  lost: number;
  rcodes: string;
  dnsperfCpu: number;
  summary: string;
}

/**
 * Runs dnsperf pinned to core 1; with `verbose` (-v), percentiles come from the
 * per-query lines (which cost dnsperf ~15% of its throughput, so the qps run
 * goes without them).
 */
async function dnsperf(
  port: number,
  queryFile: string,
  seconds: number,
  clients: number,
  qpsCap: number,
  verbose: boolean,
): Promise<PerfResult> {
  const args = [
    "-s",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    queryFile,
    "-l",
    String(seconds),
    "-c",
    String(clients),
    "-T",
    "1",
  ];
  if (verbose) args.push("-v");
  if (qpsCap > 0) args.push("-Q", String(qpsCap));
  const r = await runDnsperf(args, queryFile);
  const text = r.summary;
  const lat = r.latencies;
  return {
    qps: summaryNumber(text, /Queries per second:\s+([\d.]+)/),
    avgMs: summaryNumber(text, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    p50Ms: percentileMs(lat, 0.5),
    p99Ms: percentileMs(lat, 0.99),
    maxMs: percentileMs(lat, 1),
    sent: summaryNumber(text, /Queries sent:\s+(\d+)/),
    completed: summaryNumber(text, /Queries completed:\s+(\d+)/),
    lost: summaryNumber(text, /Queries lost:\s+(\d+)/),
    rcodes: /Response codes:\s+(.*)/.exec(text)?.[1] ?? "",
    dnsperfCpu: r.cpuShare,
    summary: text,
  };
}

// ---------------------------------------------------------------- contenders

interface Contender {
  name: string;
  label: string;
  start(dir: string, port: number): Promise<Server>;
  version: string;
}

function nodeEnv(dbUrl: string, port: number, httpPort: number): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    DMP_DB_URL: dbUrl,
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: String(port),
    DMP_DNS_RATE: "0",
    DMP_DNS_RRL_RATE: "0",
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_NODE_HTTP_PORT: String(httpPort),
    DMP_LOG_LEVEL: "WARNING",
  };
}

function contenders(opts: Options, dbUrl: string, profDir: string): Contender[] {
  const nodeBundle = opts.only.includes("node") ? buildNodeBundle() : "";
  const nodeVersion = run("node", ["--version"]).out.trim();
  const denoVersion = run(DENO_BIN, ["--version"]).out.split("\n")[0].trim();
  const nsdVersion = run(NSD_BIN, ["-v"]).out.split("\n")[0].trim();
  const all: Contender[] = [
    {
      name: "node",
      label: "dmp udp-node (Node)",
      version: `node ${nodeVersion}`,
      start: async (_dir, port) => {
        const prof = opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
        return spawnServer(
          "node",
          "taskset",
          [
            "-c",
            "0",
            "node",
            ...(Deno.env.get("BENCH_NODE_FLAGS")?.split(" ").filter(Boolean) ?? []),
            ...prof,
            nodeBundle,
            "node",
          ],
          nodeEnv(dbUrl, port, await freePort()),
        );
      },
    },
    {
      name: "deno",
      label: "dmp udp-node (Deno)",
      version: denoVersion,
      start: async (_dir, port) =>
        spawnServer(
          "deno",
          "taskset",
          ["-c", "0", DENO_BIN, "run", "-A", "--unstable-net", `${ROOT}bin/dmp_deno.ts`, "node"],
          nodeEnv(dbUrl, port, await freePort()),
        ),
    },
    {
      name: "nsd",
      label: "NSD",
      version: nsdVersion,
      start: (dir, port) => Promise.resolve(startNsd(dir, port, ZONE)),
    },
  ];
  return all.filter((c) => opts.only.includes(c.name));
}

interface Row {
  name: string;
  label: string;
  startupS: number;
  perf: PerfResult;
  fixed?: PerfResult;
  rssMiB: number;
  pssMiB: number;
  rssIdleMiB: number;
  serverCpu: number;
  procs: number;
}

async function measure(
  c: Contender,
  dir: string,
  queryFile: string,
  data: Dataset,
  opts: Options,
): Promise<Row> {
  const port = await freePort();
  say(`\n== ${c.label} (${c.version}) on 127.0.0.1:${port}, pinned to core 0`);
  const server = await c.start(dir, port);
  try {
    const startupS = await waitUntilAnswering(server, port, 180_000);
    say(`ready after ${startupS.toFixed(1)} s; sanity: ${sanity(port, data)}`);
    const idle = memoryOf(server.pid);
    const w = await dnsperf(port, queryFile, opts.warmup, opts.clients, opts.qpsCap, false);
    say(`warm-up ${opts.warmup} s: ${w.qps.toFixed(0)} qps`);
    const cpu0 = cpuSecondsOf(server.pid);
    const cores0 = coreTicks();
    const t0 = performance.now();
    const perf = await dnsperf(port, queryFile, opts.duration, opts.clients, opts.qpsCap, false);
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = (cpuSecondsOf(server.pid) - cpu0) / wall;
    const cores = coreBusy(cores0, coreTicks());
    const mem = memoryOf(server.pid);
    keep(`--- dnsperf ${opts.duration} s against ${c.label}\n${perf.summary}`);
    say(
      `load ${opts.duration} s: ${perf.qps.toFixed(0)} qps, avg ${perf.avgMs.toFixed(3)} ms, ` +
        `lost ${perf.lost}/${perf.sent}; server CPU ${(serverCpu * 100).toFixed(0)}% ` +
        `of core 0, dnsperf CPU ${(perf.dnsperfCpu * 100).toFixed(0)}% of core 1; ` +
        `cores busy (all processes, incl. softirq): ${
          cores.map((b, i) => `cpu${i} ${(b * 100).toFixed(0)}%`).join(", ")
        }; load average ${Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")}`,
    );
    say(`responses: ${perf.rcodes}`);
    say(
      `memory after load: RSS ${(mem.rssKiB / 1024).toFixed(1)} MiB, PSS ${
        (mem.pssKiB / 1024).toFixed(1)
      } MiB over ${mem.pids.length} process(es) (idle before load: RSS ${
        (idle.rssKiB / 1024).toFixed(1)
      } MiB)`,
    );
    // p99 at saturation: the same load with per-query lines (-v).
    const tail = await dnsperf(
      port,
      queryFile,
      opts.latencyDuration,
      opts.clients,
      opts.qpsCap,
      true,
    );
    keep(`--- dnsperf -v ${opts.latencyDuration} s (latency percentiles)\n${tail.summary}`);
    say(
      `latency at saturation (-v, ${opts.latencyDuration} s, ${tail.qps.toFixed(0)} qps): ` +
        `p50 ${tail.p50Ms.toFixed(3)} ms, p99 ${tail.p99Ms.toFixed(3)} ms, max ${
          tail.maxMs.toFixed(1)
        } ms`,
    );
    let fixed: PerfResult | undefined;
    if (opts.latencyQps > 0) {
      fixed = await dnsperf(
        port,
        queryFile,
        opts.latencyDuration,
        opts.clients,
        opts.latencyQps,
        true,
      );
      keep(`--- dnsperf -v ${opts.latencyDuration} s at -Q ${opts.latencyQps}\n${fixed.summary}`);
      say(
        `latency at a fixed ${opts.latencyQps} qps (-v, ${opts.latencyDuration} s): avg ${
          fixed.avgMs.toFixed(3)
        } ms, p50 ${fixed.p50Ms.toFixed(3)} ms, p99 ${
          fixed.p99Ms.toFixed(3)
        } ms, lost ${fixed.lost}`,
      );
    }
    perf.p50Ms = tail.p50Ms;
    perf.p99Ms = tail.p99Ms;
    perf.maxMs = tail.maxMs;
    return {
      name: c.name,
      label: c.label,
      startupS,
      perf,
      fixed,
      rssMiB: mem.rssKiB / 1024,
      pssMiB: mem.pssKiB / 1024,
      rssIdleMiB: idle.rssKiB / 1024,
      serverCpu,
      procs: mem.pids.length,
    };
  } finally {
    await stopProcess(server.child);
    const logTail = server.logs().trim().split("\n").slice(-5).join("\n");
    if (logTail) keep(`--- last log lines of ${c.label}\n${logTail}`);
  }
}

// ---------------------------------------------------------------- main

/** The middle element by `key`; the lower of the two middles for an even count (conservative). */
function median<T>(items: T[], key: (x: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The results table; `qpsRatio`: each server's median per-round qps ratio to NSD. */
function table(rows: Row[], opts: Options, qpsRatio: Map<string, number | undefined>): string[] {
  const nsd = rows.find((r) => r.name === "nsd");
  const head = [
    "server",
    "qps",
    "avg ms",
    "p99 ms",
    "lost",
    "RSS MiB",
    "qps ratio vs NSD (median of rounds)",
    "RSS ratio vs NSD",
    "PSS MiB",
    "server CPU",
    `p99 ms @${opts.latencyQps}qps`,
  ];
  const body = rows.map((r) => [
    r.label,
    r.perf.qps.toFixed(0),
    r.perf.avgMs.toFixed(3),
    r.perf.p99Ms.toFixed(3),
    String(r.perf.lost),
    r.rssMiB.toFixed(1),
    nsd && qpsRatio.get(r.name) !== undefined ? qpsRatio.get(r.name)!.toFixed(2) + "x" : "-",
    nsd ? (r.rssMiB / nsd.rssMiB).toFixed(2) + "x" : "-",
    r.pssMiB.toFixed(1),
    `${(r.serverCpu * 100).toFixed(0)}%`,
    r.fixed ? r.fixed.p99Ms.toFixed(3) : "-",
  ]);
  const cols = opts.latencyQps > 0 ? head.length : head.length - 1;
  const w = head.slice(0, cols).map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    "| " + cells.slice(0, cols).map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)];
}

async function main(): Promise<number> {
  const opts = parseOptions(Deno.args);
  requireFiles([NSD_BIN, DNSPERF_BIN], "Debian: apt-get install -y nsd dnsperf");
  const dir = await Deno.makeTempDir({ prefix: "dmp-bench-" });
  const profDir = `${dir}/prof`;
  Deno.mkdirSync(profDir);
  const tStart = performance.now();
  const date = new Date().toISOString();
  say(`udp_qps_vs_nsd — ${date}`);
  say(describeHost());
  say(
    `versions: node ${run("node", ["--version"]).out.trim()}, ${
      run(DENO_BIN, ["--version"]).out.split("\n")[0]
    }, ${run(NSD_BIN, ["-v"]).out.split("\n")[0]}, dnsperf ${
      run(DNSPERF_BIN, ["-h"]).out.match(/Version ([\d.]+)/)?.[1] ?? "?"
    }`,
  );
  say(
    `parameters: ${opts.records} TXT records, seed ${opts.seed}; qps: dnsperf -c ${opts.clients} ` +
      `-T 1 -l ${opts.duration} -Q ${opts.qpsCap || "none"} after a ${opts.warmup} s warm-up; ` +
      `p99: a further ${opts.latencyDuration} s with -v (per-query latencies)` +
      `${
        opts.latencyQps > 0 ? ` and ${opts.latencyDuration} s at -Q ${opts.latencyQps} -v` : ""
      }; ` +
      `server on core 0 (taskset -c 0; NSD server-count 1, RRL off), dnsperf and this script on ` +
      `core 1; node DMP_DNS_RATE=0 DMP_DNS_RRL_RATE=0 DMP_LOG_LEVEL=WARNING`,
  );

  // This process only waits during the measurements; keep it off the servers' core.
  run("taskset", ["-a", "-p", "-c", "1", String(Deno.pid)]);
  const rows: Row[] = [];
  const rounds: { round: number; row: Row }[] = [];
  try {
    const t0 = performance.now();
    const data = generate(opts.seed, opts.records);
    Deno.writeTextFileSync(`${dir}/${ZONE}.zone`, data.zoneFile);
    const queryFile = `${dir}/queries.txt`;
    Deno.writeTextFileSync(queryFile, data.queries);
    const dbUrl = `file:${dir}/dmp.db`;
    if (opts.only.some((n) => n !== "nsd")) await loadTxtZone(dbUrl, data.records);
    const q = data.queryMix;
    say(
      `data: ${data.records.length} TXT values of ${data.valueBytes.min}–${data.valueBytes.max} bytes ` +
        `(mean ${data.valueBytes.mean.toFixed(0)}), zone file ${
          (data.zoneFile.length / 2 ** 20).toFixed(1)
        } MiB; queries: ${q.existing} existing TXT, ${q.nxdomain} NXDOMAIN, ${q.soa} apex SOA; ` +
        `generated and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`,
    );
    // Rounds alternate the contenders, so a slow spell of the machine hits both sides.
    for (let round = 1; round <= opts.rounds; round++) {
      if (opts.rounds > 1) say(`\n-- round ${round} of ${opts.rounds}`);
      for (const c of contenders(opts, dbUrl, profDir)) {
        rounds.push({ round, row: await measure(c, dir, queryFile, data, opts) });
      }
    }
  } finally {
    await cleanupAll();
  }
  // The table shows each server's median round (by qps); the verdict uses the median of the
  // per-round ratios, each taken between runs minutes apart.
  for (const name of [...new Set(rounds.map((x) => x.row.name))]) {
    const mine = rounds.filter((x) => x.row.name === name).map((x) => x.row);
    rows.push(median(mine, (r) => r.perf.qps));
  }
  // Per server: its qps ratio to NSD in each round (runs a minute apart, not the median rows').
  const ratiosOf = (name: string): number[] => {
    const out: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const mine = rounds.find((x) => x.round === round && x.row.name === name)?.row;
      const theirs = rounds.find((x) => x.round === round && x.row.name === "nsd")?.row;
      if (mine && theirs) out.push(mine.perf.qps / theirs.perf.qps);
    }
    return out;
  };
  const qpsRatio = new Map(rows.map((r) => [r.name, median(ratiosOf(r.name), (x) => x)]));
  say("");
  for (const l of table(rows, opts, qpsRatio)) say(l);
  const nsd = rows.find((r) => r.name === "nsd");
  if (nsd) {
    for (const r of rows.filter((x) => x !== nsd)) {
      const ratios = ratiosOf(r.name);
      if (opts.rounds > 1) {
        say(
          `${r.label}: qps ratio vs NSD per round ${
            ratios.map((x) => x.toFixed(2) + "x").join(", ")
          } (median ${median(ratios, (x) => x).toFixed(2)}x)`,
        );
      }
      const qr = median(ratios, (x) => x);
      const mr = r.rssMiB / nsd.rssMiB;
      say(
        `${r.label}: qps ${qr.toFixed(2)}x NSD (target >= 0.5x: ${
          qr >= 0.5 ? "met" : "NOT met"
        }), ` +
          `RSS ${mr.toFixed(2)}x NSD (target <= 3x: ${mr <= 3 ? "met" : "NOT met"}; PSS ${
            (r.pssMiB / nsd.pssMiB).toFixed(2)
          }x), ` +
          `startup ${r.startupS.toFixed(1)} s`,
      );
    }
  }
  if (rows.some((r) => r.perf.dnsperfCpu > 0.9)) {
    say(
      "note: dnsperf used > 90% of its core in at least one run; that run may be client-bound.",
    );
  }
  if (opts.cpuProf) say("\n" + summarizeCpuProfile(profDir));
  say(`total ${((performance.now() - tStart) / 1000).toFixed(0)} s`);

  saveResults("udp_qps_vs_nsd", date);
  if (!opts.keep) Deno.removeSync(dir, { recursive: true });
  return 0;
}

await runBench(main);
