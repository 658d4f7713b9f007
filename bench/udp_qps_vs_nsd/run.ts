/**
 * Benchmark of issues 2 and 15: UDP queries/s and memory of the udp-node
 * (under Node on a `file:` database, under Node as an embedded replica of a
 * local sqld, and under Deno) against NSD on the same 100,000-TXT-record
 * zone, with three query mixes, each server pinned to CPU core 0 and dnsperf
 * pinned to core 1, in alternating rounds.
 *
 *   ./node_modules/.bin/deno run -A bench/udp_qps_vs_nsd/run.ts [options]
 *   npm run bench -- [options]
 *
 * Options: --duration=S (15) --warmup=S (2) --clients=N (4) --qps=N (cap; none)
 * --latency-qps=N (fixed-rate latency phase, 10000; 0 = off) --latency-duration=S (5)
 * --only=node,replica,deno,nsd --mix=main,dmp,negative --records=N (100000) --seed=N
 * --cpu-prof (profile the Node contender with --cpu-prof and print its hottest functions)
 * --keep (keep the temp dir) --rounds=N (3: the contenders alternate N times, each
 * restarted per round; a target is met when the worst round meets it).
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
  freePort,
  type Server,
  sleep,
  spawnServer,
  stopProcess,
  udpNodeFlags,
} from "../_support/processes.ts";
import { DNSPERF_BIN, percentileMs, runDnsperf, summaryNumber } from "../_support/dnsperf.ts";
import { coreTicks, cpuSecondsOf, exists, memoryOf, run } from "../_support/proc_stats.ts";
import { BENCH_ZONE, generateTxtZone, loadTxtZone, type TxtZone } from "../_support/txt_zone.ts";
import { buildQueryMix, MIX_NAMES, type MixName, type QueryMix } from "../_support/query_mix.ts";
import { NSD_BIN, startNsd } from "../_support/nsd.ts";
import { startPinnedSqld } from "../_support/sqld.ts";
import { summarizeCpuProfile } from "../_support/cpu_profile.ts";
import { worstRound } from "../_support/rounds.ts";
import { parseBenchOptions } from "../_support/bench_options.ts";
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

/** Targets of issue 15 (bench/README.md): qps against NSD per mix, memory by PSS. */
const TARGET = { nodeQps: 0.6, denoQpsMain: 0.3, pss: 2 };

// ---------------------------------------------------------------- options

interface Options {
  duration: number;
  warmup: number;
  clients: number;
  qpsCap: number;
  latencyQps: number;
  latencyDuration: number;
  only: string[];
  mixes: MixName[];
  records: number;
  seed: number;
  cpuProf: boolean;
  keep: boolean;
  rounds: number;
}

const CONTENDERS = ["node", "dgram", "replica", "deno", "nsd"];

function parseOptions(argv: string[]): Options {
  return parseBenchOptions(
    argv,
    {
      duration: 15,
      warmup: 2,
      clients: 4,
      qpsCap: 0,
      latencyQps: 10000,
      latencyDuration: 5,
      only: [...CONTENDERS],
      mixes: [...MIX_NAMES],
      records: 100_000,
      seed: 20260602,
      cpuProf: false,
      keep: false,
      rounds: 3,
    },
    "usage: deno run -A bench/udp_qps_vs_nsd/run.ts [--duration=15] [--warmup=2] " +
      "[--clients=4] [--qps=N|none] [--latency-qps=10000] [--latency-duration=5] " +
      "[--only=node,dgram,replica,deno,nsd] [--mix=main,dmp,negative] [--records=100000] " +
      "[--seed=N] [--cpu-prof] [--keep] [--rounds=3]",
    {
      choices: { only: CONTENDERS, mixes: MIX_NAMES },
      aliases: { qps: "qpsCap", mix: "mixes" },
      custom: {
        qpsCap: (text, o) => {
          const n = text === "none" ? 0 : Number(text);
          if (text === "" || !Number.isFinite(n)) throw new Error(`--qps: a number or none`);
          o.qpsCap = n;
        },
      },
    },
  );
}

// ---------------------------------------------------------------- processes

/** Busy share of each core between two {@linkcode coreTicks} readings (shows other load). */
function coreBusy(a: [number, number][], b: [number, number][]): number[] {
  return b.map(([busy, total], i) => (busy - a[i][0]) / Math.max(1, total - a[i][1]));
}

// ---------------------------------------------------------------- data

/** A mix's query file on disk and the dnsperf flags it needs. */
interface MixFile {
  mix: QueryMix;
  path: string;
  flags: string[];
}

// ---------------------------------------------------------------- DNS checks

function dig(port: number, name: string, type: string): { status: string; answers: number } | null {
  const r = run("dig", [`@127.0.0.1`, "-p", String(port), "+tries=1", "+time=1", name, type]);
  const status = /status: (\w+)/.exec(r.out)?.[1];
  if (r.code !== 0 || !status) return null;
  return { status, answers: Number(/ANSWER: (\d+)/.exec(r.out)?.[1] ?? -1) };
}

/**
 * Ready: the SOA and the zone's last TXT record answer (a new replica may answer the SOA
 * before its first sync has brought every record).
 */
async function waitUntilAnswering(
  server: Server,
  port: number,
  lastName: string,
  timeoutMs: number,
) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (server.exited()) throw new Error(`${server.name} exited during start:\n${server.logs()}`);
    const a = dig(port, ZONE, "SOA");
    const b = a && a.status === "NOERROR" && a.answers === 1 ? dig(port, lastName, "TXT") : null;
    if (b && b.status === "NOERROR" && b.answers === 1) return (performance.now() - t0) / 1000;
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms:\n${server.logs()}`);
}

/** One UDP exchange from this process (the sanity checks; not timed). */
async function exchange(port: number, wire: Uint8Array): Promise<Uint8Array | null> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const q = wire.slice();
    q[0] = 0x4d;
    q[1] = 0x50;
    await sock.send(q, { transport: "udp", hostname: "127.0.0.1", port });
    const timer = setTimeout(() => sock.close(), 2000);
    try {
      const [data] = await sock.receive();
      return data;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    try {
      sock.close();
    } catch { /* closed by the timer */ }
  }
}

/**
 * What a response says, for comparing servers: rcode, section counts, TC,
 * and whether the question came back byte for byte (0x20 case kept).
 */
function shapeOf(query: Uint8Array, resp: Uint8Array | null): string {
  if (!resp || resp.length < 12) return "no answer";
  const rcode = resp[3] & 0x0f;
  const tc = (resp[2] & 0x02) !== 0;
  const count = (i: number) => (resp[i] << 8) | resp[i + 1];
  const qEnd = query.indexOf(0, 12) + 5;
  let sameQuestion = resp.length >= qEnd;
  for (let i = 12; sameQuestion && i < qEnd; i++) sameQuestion = resp[i] === query[i];
  const rname = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"][rcode] ??
    String(rcode);
  return `${rname} an=${count(6)} ns=${count(8)} ar=${count(10)}${tc ? " TC" : ""}${
    sameQuestion ? "" : " QUESTION-CHANGED"
  }`;
}

/**
 * Sends each mix's sample queries; the first server measured sets the
 * reference, every other must answer the same shape (else the comparison is
 * void and the run stops). Also checks a TXT value.
 */
async function sanity(
  port: number,
  mixes: MixFile[],
  zone: TxtZone,
  reference: Map<string, string>,
  label: string,
): Promise<string> {
  const out: string[] = [];
  for (const m of mixes) {
    for (const s of m.mix.sample) {
      const shape = shapeOf(s.wire, await exchange(port, s.wire));
      const key = `${m.mix.name}: ${s.label} #${m.mix.sample.indexOf(s)}`;
      const ref = reference.get(key);
      if (shape === "no answer" || shape.includes("QUESTION-CHANGED")) {
        throw new Error(`sanity check failed on ${label}: ${key} → ${shape}`);
      }
      if (ref === undefined) reference.set(key, shape);
      else if (ref !== shape) {
        throw new Error(
          `sanity check failed on ${label}: ${key} → ${shape}, the first server answered ${ref}`,
        );
      }
      out.push(`${key} ${shape}`);
    }
  }
  const hit = zone.records[12345 % zone.records.length];
  const r = run("dig", [`@127.0.0.1`, "-p", String(port), "+short", hit.name, "TXT"]);
  if (!r.out.includes(hit.value.slice(0, 60))) {
    throw new Error(`sanity check failed on ${label}: ${hit.name} TXT value differs`);
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
  mix: MixFile,
  seconds: number,
  clients: number,
  qpsCap: number,
  verbose: boolean,
): Promise<PerfResult> {
  const queryFile = mix.path;
  const args = [
    ...mix.flags,
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

interface Running {
  server: Server;
  stop(): Promise<void>;
}

interface Contender {
  name: string;
  label: string;
  start(port: number): Promise<Running>;
  version: string;
}

function nodeEnv(
  port: number,
  httpPort: number,
  db: Record<string, string>,
): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    ...db,
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: String(port),
    DMP_DNS_RATE: "0",
    DMP_DNS_RRL_RATE: "0",
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_NODE_HTTP_PORT: String(httpPort),
    DMP_LOG_LEVEL: "WARNING",
  };
}

function contenders(
  opts: Options,
  dir: string,
  fileDb: string,
  primary: { dir: string; records: TxtZone["records"] } | undefined,
  profDir: string,
): Contender[] {
  const wantNode = ["node", "dgram", "replica"].some((c) => opts.only.includes(c));
  const nodeBundle = wantNode ? buildNodeBundle() : "";
  const nodeVersion = run("node", ["--version"]).out.trim();
  const denoVersion = run(DENO_BIN, ["--version"]).out.split("\n")[0].trim();
  const nsdVersion = run(NSD_BIN, ["-v"]).out.split("\n")[0].trim();
  const nodeArgs = (prof: boolean) => [
    "-c",
    "0",
    "node",
    // The unit's flags, then an experiment's (BENCH_NODE_FLAGS).
    ...udpNodeFlags(),
    ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
    nodeBundle,
    "node",
  ];
  const plain = (server: Server): Running => ({ server, stop: () => stopProcess(server.child) });
  const all: Contender[] = [
    {
      name: "node",
      label: "dmp udp-node (Node, file:)",
      version: `node ${nodeVersion}`,
      start: async (port) =>
        plain(spawnServer(
          "node",
          "taskset",
          nodeArgs(opts.cpuProf),
          nodeEnv(port, await freePort(), { DMP_DB_URL: fileDb }),
        )),
    },
    {
      // The same node on node:dgram: what the batched recvmmsg/sendmmsg I/O buys (issue 15 item 7).
      name: "dgram",
      label: "dmp udp-node (Node, file:, dgram)",
      version: `node ${nodeVersion}, DMP_DNS_UDP_IO=dgram`,
      start: async (port) =>
        plain(spawnServer(
          "node-dgram",
          "taskset",
          nodeArgs(false),
          nodeEnv(port, await freePort(), { DMP_DB_URL: fileDb, DMP_DNS_UDP_IO: "dgram" }),
        )),
    },
    {
      name: "replica",
      label: "dmp udp-node (Node, replica)",
      version: `node ${nodeVersion}, embedded replica of a local sqld`,
      // sqld on core 0 beside its node, as in update_rate_vs_bind; its data (the zone, written
      // once at the primary) outlives the round, and so does the replica file: each round is a
      // restart of a node whose replica is already there, as a production node restarts.
      start: async (port) => {
        if (!primary) throw new Error("replica contender without a primary");
        const sqld = await startPinnedSqld(primary.dir);
        if (!exists(`${primary.dir}/loaded`)) {
          const t0 = performance.now();
          await loadTxtZone(sqld.url, primary.records, sqld.token);
          Deno.writeTextFileSync(`${primary.dir}/loaded`, "");
          say(
            `zone written at the sqld primary in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
        }
        const server = spawnServer(
          "node-replica",
          "taskset",
          nodeArgs(false),
          nodeEnv(port, await freePort(), {
            DMP_DB_URL: `file:${dir}/replica.db`,
            DMP_DB_SYNC_URL: sqld.url,
            DMP_DB_AUTH_TOKEN: sqld.token,
          }),
        );
        return {
          server,
          async stop() {
            await stopProcess(server.child);
            await stopProcess(sqld.server.child);
          },
        };
      },
    },
    {
      name: "deno",
      label: "dmp udp-node (Deno, file:)",
      version: denoVersion,
      start: async (port) =>
        plain(spawnServer(
          "deno",
          "taskset",
          ["-c", "0", DENO_BIN, "run", "-A", "--unstable-net", `${ROOT}bin/dmp_deno.ts`, "node"],
          nodeEnv(port, await freePort(), { DMP_DB_URL: fileDb }),
        )),
    },
    {
      name: "nsd",
      label: "NSD (minimal-responses)",
      version: nsdVersion,
      start: (port) =>
        Promise.resolve(plain(startNsd(dir, port, ZONE, { minimalResponses: true }))),
    },
  ];
  return all.filter((c) => opts.only.includes(c.name));
}

interface Row {
  round: number;
  mix: MixName;
  name: string;
  label: string;
  startupS: number;
  perf: PerfResult;
  fixed?: PerfResult;
  rssMiB: number;
  pssMiB: number;
  serverCpu: number;
  procs: number;
}

/** Starts `c`, runs every mix against it, stops it: one row per mix. */
async function measure(
  c: Contender,
  round: number,
  mixes: MixFile[],
  zone: TxtZone,
  reference: Map<string, string>,
  opts: Options,
): Promise<Row[]> {
  const port = await freePort();
  say(`\n== round ${round}: ${c.label} (${c.version}) on 127.0.0.1:${port}, pinned to core 0`);
  const running = await c.start(port);
  const server = running.server;
  const rows: Row[] = [];
  try {
    const startupS = await waitUntilAnswering(server, port, zone.records.at(-1)!.name, 300_000);
    say(
      `ready after ${startupS.toFixed(1)} s; sanity: ${await sanity(
        port,
        mixes,
        zone,
        reference,
        c.label,
      )}`,
    );
    for (const m of mixes) {
      say(`-- mix ${m.mix.name}`);
      const w = await dnsperf(port, m, opts.warmup, opts.clients, opts.qpsCap, false);
      say(`warm-up ${opts.warmup} s: ${w.qps.toFixed(0)} qps`);
      const cpu0 = cpuSecondsOf(server.pid);
      const cores0 = coreTicks();
      const t0 = performance.now();
      const perf = await dnsperf(port, m, opts.duration, opts.clients, opts.qpsCap, false);
      const wall = (performance.now() - t0) / 1000;
      const serverCpu = (cpuSecondsOf(server.pid) - cpu0) / wall;
      const cores = coreBusy(cores0, coreTicks());
      const mem = memoryOf(server.pid);
      keep(`--- dnsperf ${opts.duration} s against ${c.label}, mix ${m.mix.name}\n${perf.summary}`);
      say(
        `load ${opts.duration} s: ${perf.qps.toFixed(0)} qps, avg ${perf.avgMs.toFixed(3)} ms, ` +
          `lost ${perf.lost}/${perf.sent}; server CPU ${(serverCpu * 100).toFixed(0)}% ` +
          `of core 0, dnsperf CPU ${(perf.dnsperfCpu * 100).toFixed(0)}% of core 1; ` +
          `cores busy (all processes, incl. softirq): ${
            cores.map((b, i) => `cpu${i} ${(b * 100).toFixed(0)}%`).join(", ")
          }; load average ${
            Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
          }`,
      );
      say(`responses: ${perf.rcodes}`);
      say(
        `memory after load: PSS ${(mem.pssKiB / 1024).toFixed(1)} MiB, RSS ${
          (mem.rssKiB / 1024).toFixed(1)
        } MiB over ${mem.pids.length} process(es)`,
      );
      // p99 at saturation: the same load with per-query lines (-v).
      const tail = await dnsperf(port, m, opts.latencyDuration, opts.clients, opts.qpsCap, true);
      keep(`--- dnsperf -v ${opts.latencyDuration} s (latency percentiles)\n${tail.summary}`);
      say(
        `latency at saturation (-v, ${opts.latencyDuration} s, ${tail.qps.toFixed(0)} qps): ` +
          `p50 ${tail.p50Ms.toFixed(3)} ms, p99 ${tail.p99Ms.toFixed(3)} ms, max ${
            tail.maxMs.toFixed(1)
          } ms`,
      );
      let fixed: PerfResult | undefined;
      if (opts.latencyQps > 0) {
        fixed = await dnsperf(port, m, opts.latencyDuration, opts.clients, opts.latencyQps, true);
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
      rows.push({
        round,
        mix: m.mix.name,
        name: c.name,
        label: c.label,
        startupS,
        perf,
        fixed,
        rssMiB: mem.rssKiB / 1024,
        pssMiB: mem.pssKiB / 1024,
        serverCpu,
        procs: mem.pids.length,
      });
    }
    return rows;
  } finally {
    await running.stop();
    const logTail = server.logs().trim().split("\n").slice(-5).join("\n");
    if (logTail) keep(`--- last log lines of ${c.label}\n${logTail}`);
  }
}

// ---------------------------------------------------------------- main

/** One mix's table: every round of every server, ratios against that round's NSD. */
function table(rows: Row[], opts: Options): string[] {
  const nsdOf = (r: Row) => rows.find((x) => x.round === r.round && x.name === "nsd");
  const head = [
    "round",
    "server",
    "qps",
    "avg ms",
    "p99 ms",
    "lost",
    "PSS MiB",
    "RSS MiB",
    "qps vs NSD",
    "PSS vs NSD",
    "server CPU",
    `p99 ms @${opts.latencyQps}qps`,
  ];
  const body = rows.map((r) => {
    const nsd = nsdOf(r);
    return [
      String(r.round),
      r.label,
      r.perf.qps.toFixed(0),
      r.perf.avgMs.toFixed(3),
      r.perf.p99Ms.toFixed(3),
      String(r.perf.lost),
      r.pssMiB.toFixed(1),
      r.rssMiB.toFixed(1),
      nsd ? (r.perf.qps / nsd.perf.qps).toFixed(2) + "x" : "-",
      nsd ? (r.pssMiB / nsd.pssMiB).toFixed(2) + "x" : "-",
      `${(r.serverCpu * 100).toFixed(0)}%`,
      r.fixed ? r.fixed.p99Ms.toFixed(3) : "-",
    ];
  });
  const cols = opts.latencyQps > 0 ? head.length : head.length - 1;
  const w = head.slice(0, cols).map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    "| " + cells.slice(0, cols).map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)];
}

/** The verdict lines of one mix: per server, every round's ratios and the worst against the targets. */
function verdicts(rows: Row[], mix: MixName): string[] {
  const out: string[] = [];
  for (const name of ["node", "replica", "deno"]) {
    const mine = rows.filter((r) => r.name === name);
    if (mine.length === 0) continue;
    const paired = mine.flatMap((r) => {
      const nsd = rows.find((x) => x.round === r.round && x.name === "nsd");
      return nsd ? [{ qps: r.perf.qps / nsd.perf.qps, pss: r.pssMiB / nsd.pssMiB }] : [];
    });
    if (paired.length === 0) continue;
    const qps = paired.map((p) => p.qps);
    const pss = paired.map((p) => p.pss);
    const worstQps = worstRound(qps, "higher-is-better");
    const worstPss = worstRound(pss, "lower-is-better");
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2) + "x").join(", ");
    const qpsTarget = name === "deno"
      ? (mix === "main" ? TARGET.denoQpsMain : undefined)
      : TARGET.nodeQps;
    const qpsVerdict = qpsTarget === undefined
      ? "no target on this mix"
      : `target >= ${qpsTarget}x: ${worstQps >= qpsTarget ? "met" : "NOT met"}`;
    const pssVerdict = name === "deno"
      ? "no target"
      : `target <= ${TARGET.pss}x: ${worstPss <= TARGET.pss ? "met" : "NOT met"}`;
    out.push(
      `${mine[0].label}, mix ${mix}: qps vs NSD per round ${fmt(qps)}, worst ${
        worstQps.toFixed(2)
      }x (${qpsVerdict}); PSS vs NSD per round ${fmt(pss)}, worst ${
        worstPss.toFixed(2)
      }x (${pssVerdict}); ` +
        `startup ${mine.map((r) => r.startupS.toFixed(1)).join(", ")} s`,
    );
  }
  return out;
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
    `parameters: ${opts.records} TXT records, seed ${opts.seed}; contenders ${
      opts.only.join(",")
    } (node ${udpNodeFlags().join(" ")}); ` +
      `mixes ${opts.mixes.join(",")}; ${opts.rounds} round(s); qps: dnsperf -c ${opts.clients} ` +
      `-T 1 -l ${opts.duration} -Q ${opts.qpsCap || "none"} after a ${opts.warmup} s warm-up; ` +
      `p99: a further ${opts.latencyDuration} s with -v (per-query latencies)` +
      `${
        opts.latencyQps > 0 ? ` and ${opts.latencyDuration} s at -Q ${opts.latencyQps} -v` : ""
      }; ` +
      `server on core 0 (taskset -c 0; NSD server-count 1, RRL off, minimal-responses yes; the ` +
      `replica's sqld on core 0 too), dnsperf and this script on core 1; node DMP_DNS_RATE=0 ` +
      `DMP_DNS_RRL_RATE=0 DMP_LOG_LEVEL=WARNING`,
  );

  // This process only waits during the measurements; keep it off the servers' core.
  run("taskset", ["-a", "-p", "-c", "1", String(Deno.pid)]);
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    const zone = generateTxtZone(opts.seed, opts.records, "bench/udp_qps_vs_nsd/run.ts");
    Deno.writeTextFileSync(`${dir}/${ZONE}.zone`, zone.zoneFile);
    // Every mix is built (so a mix's file does not depend on which others run), then filtered.
    const mixes: MixFile[] = MIX_NAMES.map((name) => buildQueryMix(zone, name))
      .filter((mix) => opts.mixes.includes(mix.name))
      .map((mix) => {
        const path = `${dir}/queries-${mix.name}.${
          mix.dnsperfFlags.includes("-B") ? "bin" : "txt"
        }`;
        Deno.writeFileSync(path, mix.bytes);
        return { mix, path, flags: mix.dnsperfFlags };
      });
    const fileDb = `file:${dir}/dmp.db`;
    if (opts.only.includes("node") || opts.only.includes("deno")) {
      await loadTxtZone(fileDb, zone.records);
    }
    let primary: { dir: string; records: TxtZone["records"] } | undefined;
    if (opts.only.includes("replica")) {
      primary = { dir: `${dir}/primary`, records: zone.records };
      Deno.mkdirSync(primary.dir);
    }
    say(
      `data: ${zone.records.length} TXT values of ${zone.valueBytes.min}–${zone.valueBytes.max} bytes ` +
        `(mean ${zone.valueBytes.mean.toFixed(0)}), zone file ${
          (zone.zoneFile.length / 2 ** 20).toFixed(1)
        } MiB; generated and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`,
    );
    for (const m of mixes) say(`queries, ${m.mix.description}`);
    const reference = new Map<string, string>();
    const list = contenders(opts, dir, fileDb, primary, profDir);
    // Rounds alternate the contenders, so a slow spell of the machine hits every side.
    for (let round = 1; round <= opts.rounds; round++) {
      if (opts.rounds > 1) say(`\n-- round ${round} of ${opts.rounds}`);
      for (const c of list) rows.push(...await measure(c, round, mixes, zone, reference, opts));
    }
  } finally {
    await cleanupAll();
  }
  for (const mix of opts.mixes) {
    const mine = rows.filter((r) => r.mix === mix);
    say(`\n## mix ${mix}`);
    for (const l of table(mine, opts)) say(l);
    for (const l of verdicts(mine, mix)) say(l);
  }
  say(
    "\nA target is met when the worst round meets it (issue 15). Memory is PSS after each mix's " +
      "load (the replica's sqld not counted: in production it is the primary, elsewhere).",
  );
  if (rows.some((r) => r.perf.dnsperfCpu > 0.9)) {
    say(
      "note: dnsperf used > 90% of its core in at least one run; that run may be client-bound.",
    );
  }
  if (opts.cpuProf) say("\n" + summarizeCpuProfile(profDir));
  say(`total ${((performance.now() - tStart) / 1000).toFixed(0)} s`);

  saveResults("udp_qps_vs_nsd", date);
  if (!opts.keep) Deno.removeSync(dir, { recursive: true });
  else say(`kept ${dir}`);
  return 0;
}

await runBench(main);
