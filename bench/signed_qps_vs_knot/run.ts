/**
 * Benchmark of issue 13: signed answers/s against unsigned on the same zone,
 * next to Knot DNS signing the same zone on the fly (`mod-onlinesign`,
 * ECDSA P-256 as ours), in one run. Each server is pinned to CPU core 0,
 * dnsperf to core 1.
 *
 *   ./node_modules/.bin/deno run -A bench/signed_qps_vs_knot/run.ts [options]
 *
 * Options: --duration=S (15) --warmup=S (2) --clients=N (4) --latency-duration=S (5)
 * --records=N (20000) --seed=N --rounds=N (3: the contenders alternate N times;
 * the verdict is the worst and the median of the per-round ratios)
 * --only=node,knot,knot-signed --keep (keep the temp dir).
 *
 * Every process started binds 127.0.0.1 only and is stopped at the end, also
 * on error or Ctrl-C. The summary and the raw dnsperf output go to
 * bench/results/<date>-signed_qps_vs_knot.txt.
 *
 * @module
 */

import { createClient } from "@libsql/client";
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
import { cpuSecondsOf, memoryOf, run } from "../_support/proc_stats.ts";
import { BENCH_ZONE, generateTxtZone, HEX, loadTxtZone } from "../_support/txt_zone.ts";
import { KNOTD_BIN, knotVersion, startKnot } from "../_support/knot.ts";
import { parseBenchOptions } from "../_support/bench_options.ts";
import {
  describeHost,
  keep,
  requireFiles,
  runBench,
  saveResults,
  say,
} from "../_support/report.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { enableZoneSigning } from "../../packages/core/store/dnssec_keys.ts";
import { DNSSEC_ALGORITHM } from "../../packages/core/dnssec/signing_key.ts";

const ZONE = BENCH_ZONE;
/** The node's sealing key for the run's throw-away database (never a real secret). */
const SEALING_KEY = "5b".repeat(32);

// ---------------------------------------------------------------- options

interface Options {
  duration: number;
  warmup: number;
  clients: number;
  latencyDuration: number;
  only: string[];
  records: number;
  seed: number;
  keep: boolean;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  return parseBenchOptions(
    argv,
    {
      duration: 15,
      warmup: 2,
      clients: 4,
      latencyDuration: 5,
      only: ["node", "knot", "knot-signed"],
      records: 20_000,
      seed: 20261126,
      keep: false,
      rounds: 3,
    },
    "usage: deno run -A bench/signed_qps_vs_knot/run.ts [--duration=15] [--warmup=2] " +
      "[--clients=4] [--latency-duration=5] [--only=node,knot,knot-signed] " +
      "[--records=20000] [--seed=N] [--keep] [--rounds=3]",
    { choices: { only: ["node", "knot", "knot-signed"] } },
  );
}

// ---------------------------------------------------------------- data

interface Dataset {
  zoneFile: string;
  /** the measured mix */
  queries: string;
  /** every positive question once (primes the node's RRSIG cache before a signed run) */
  positives: string;
  records: { name: string; value: string }[];
  queryMix: { txt: number; a: number; nxdomain: number; soa: number };
}

/**
 * The shared bench zone (`bench/_support/txt_zone.ts`: TXT owners shaped like
 * DMP mailbox slots, the apex A and `ns1` A) and the query mix: ~85% existing
 * TXT, ~4% A (apex, `ns1`), ~10% names that do not exist (a fresh random
 * mailbox each, so every one needs its own black-lie NSEC signature), ~1%
 * apex SOA.
 */
function generate(seed: number, count: number): Dataset {
  const zone = generateTxtZone(seed, count, "bench/signed_qps_vs_knot/run.ts");
  const { records, mailboxes, pick } = zone;
  const r = zone.random;
  const q: string[] = [];
  const mix = { txt: 0, a: 0, nxdomain: 0, soa: 0 };
  for (let i = 0; i < 200_000; i++) {
    const x = r();
    if (x < 0.85) {
      q.push(`${records[Math.floor(r() * records.length)].name} TXT`);
      mix.txt++;
    } else if (x < 0.89) {
      q.push(`${r() < 0.5 ? "" : "ns1."}${ZONE} A`);
      mix.a++;
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
  const positives = [
    ...records.map((x) => `${x.name} TXT`),
    `${ZONE} A`,
    `ns1.${ZONE} A`,
    `${ZONE} SOA`,
  ];
  return {
    zoneFile: zone.zoneFile,
    queries: q.join("\n") + "\n",
    positives: positives.join("\n") + "\n",
    records,
    queryMix: mix,
  };
}

/** The bench zone in a fresh node database, with online signing on (algorithm 13). */
async function loadSignedZone(dbUrl: string, data: Dataset): Promise<void> {
  await loadTxtZone(dbUrl, data.records);
  const client = createClient({ url: dbUrl });
  try {
    const box = await createSecretBox(SEALING_KEY);
    await enableZoneSigning(client, box, ZONE, DNSSEC_ALGORITHM.ECDSAP256SHA256, Date.now() / 1000);
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------- DNS checks

interface DigAnswer {
  status: string;
  answers: number;
  authority: number;
  text: string;
}

function dig(port: number, name: string, type: string, dnssec: boolean): DigAnswer | null {
  const args = [`@127.0.0.1`, "-p", String(port), "+tries=1", "+time=1", name, type];
  if (dnssec) args.push("+dnssec");
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
    const a = dig(port, ZONE, "SOA", false);
    if (a && a.status === "NOERROR" && a.answers === 1) return (performance.now() - t0) / 1000;
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms:\n${server.logs()}`);
}

/**
 * The same questions answered alike by every server in a mode, else the
 * comparison is void. Signed (DO=1): the RRset and one algorithm-13 RRSIG;
 * a missing name as a black lie (NOERROR, RFC 9824 §3: SOA, NSEC and their
 * RRSIGs), as both servers send it.
 */
function sanity(port: number, data: Dataset, signed: boolean): string {
  const hit = data.records[12345 % data.records.length];
  const n = signed ? 2 : 1;
  const checks: [string, string, string, number, number][] = [
    [hit.name, "TXT", "NOERROR", n, 0],
    [hit.name.toUpperCase(), "TXT", "NOERROR", n, 0],
    [`ns1.${ZONE}`, "A", "NOERROR", n, 0],
    [`nope.${ZONE}`, "TXT", signed ? "NOERROR" : "NXDOMAIN", 0, signed ? 4 : 1],
    [ZONE, "SOA", "NOERROR", n, -1],
  ];
  const out: string[] = [];
  for (const [name, type, status, answers, authority] of checks) {
    const a = dig(port, name, type, signed);
    const got = a ? `${a.status}/${a.answers}/${a.authority}` : "no answer";
    if (
      !a || a.status !== status || a.answers !== answers ||
      (authority >= 0 && a.authority !== authority)
    ) {
      throw new Error(
        `sanity check failed: ${name} ${type}${signed ? " +dnssec" : ""} → ${got}, ` +
          `expected ${status}/${answers}/${authority}`,
      );
    }
    if (type === "TXT" && answers > 0 && !a.text.includes(hit.value.slice(0, 60))) {
      throw new Error(`sanity check failed: ${name} TXT value differs`);
    }
    if (
      signed && !new RegExp(`RRSIG\\s+${type === "TXT" && answers === 0 ? "NSEC" : type} 13 `)
        .test(a.text)
    ) {
      throw new Error(`sanity check failed: ${name} ${type} +dnssec has no algorithm-13 RRSIG`);
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
  sent: number;
  lost: number;
  rcodes: string;
  dnsperfCpu: number;
  summary: string;
}

/** dnsperf pinned to core 1; `-D` sets DO; `-v` adds the per-query lines for percentiles. */
async function dnsperf(
  port: number,
  queryFile: string,
  o: { seconds?: number; once?: boolean; clients: number; dnssec: boolean; verbose: boolean },
): Promise<PerfResult> {
  const args = ["-s", "127.0.0.1", "-p", String(port), "-d", queryFile, "-c", String(o.clients)];
  args.push("-T", "1");
  if (o.once) args.push("-n", "1");
  else args.push("-l", String(o.seconds));
  if (o.dnssec) args.push("-D");
  if (o.verbose) args.push("-v");
  const r = await runDnsperf(args, queryFile);
  const text = r.summary;
  return {
    qps: summaryNumber(text, /Queries per second:\s+([\d.]+)/),
    avgMs: summaryNumber(text, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    p50Ms: percentileMs(r.latencies, 0.5),
    p99Ms: percentileMs(r.latencies, 0.99),
    sent: summaryNumber(text, /Queries sent:\s+(\d+)/),
    lost: summaryNumber(text, /Queries lost:\s+(\d+)/),
    rcodes: /Response codes:\s+(.*)/.exec(text)?.[1] ?? "",
    dnsperfCpu: r.cpuShare,
    summary: text,
  };
}

// ---------------------------------------------------------------- contenders

/** One server, measured in one or both modes (DO=0 "unsigned", DO=1 "signed"). */
interface Contender {
  name: string;
  label: string;
  version: string;
  modes: ("unsigned" | "signed")[];
  start(dir: string, port: number): Promise<Server>;
}

function contenders(opts: Options, dbUrl: string, bundle: string): Contender[] {
  const kv = knotVersion();
  const all: Contender[] = [
    {
      // One node with the zone signed: DO=0 queries get the unsigned answers (byte-identical to
      // an unsigned zone's), DO=1 queries the signed ones.
      name: "node",
      label: "dmp udp-node",
      version: `node ${run("node", ["--version"]).out.trim()}`,
      modes: ["unsigned", "signed"],
      start: async (_dir, port) =>
        spawnServer("node", "taskset", ["-c", "0", "node", ...udpNodeFlags(), bundle, "node"], {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: Deno.env.get("HOME") ?? "/tmp",
          NO_COLOR: "1",
          DMP_DB_URL: dbUrl,
          DMP_TSIG_SECRET_KEY: SEALING_KEY,
          DMP_DNS_HOST: "127.0.0.1",
          DMP_DNS_PORT: String(port),
          DMP_DNS_RATE: "0",
          DMP_DNS_RRL_RATE: "0",
          DMP_NODE_HTTP_HOST: "127.0.0.1",
          DMP_NODE_HTTP_PORT: String(await freePort()),
          DMP_LOG_LEVEL: "WARNING",
        }),
    },
    {
      name: "knot",
      label: "Knot",
      version: kv,
      modes: ["unsigned"],
      start: (dir, port) => Promise.resolve(startKnot(dir, "knot-plain", port, ZONE, false)),
    },
    {
      name: "knot-signed",
      label: "Knot mod-onlinesign",
      version: kv,
      modes: ["signed"],
      start: (dir, port) => Promise.resolve(startKnot(dir, "knot-signed", port, ZONE, true)),
    },
  ];
  return all.filter((c) => opts.only.includes(c.name));
}

interface Row {
  /** `node`, `knot` (Knot either way) */
  server: string;
  label: string;
  mode: "unsigned" | "signed";
  round: number;
  perf: PerfResult;
  pssMiB: number;
  rssMiB: number;
  serverCpu: number;
}

async function measure(
  c: Contender,
  round: number,
  dir: string,
  files: { queries: string; positives: string },
  data: Dataset,
  opts: Options,
): Promise<Row[]> {
  const port = await freePort();
  say(`\n== ${c.label} (${c.version}) on 127.0.0.1:${port}, pinned to core 0`);
  const server = await c.start(dir, port);
  const rows: Row[] = [];
  try {
    const startupS = await waitUntilAnswering(server, port, 180_000);
    say(`ready after ${startupS.toFixed(1)} s`);
    for (const mode of c.modes) {
      const dnssec = mode === "signed";
      say(
        `-- ${mode} (${dnssec ? "DO=1, dnsperf -D" : "DO=0"}); sanity: ${
          sanity(port, data, dnssec)
        }`,
      );
      if (dnssec) {
        // Every positive question once: a node that has served its zone for a while has these
        // RRSIGs cached (valid 14 days); Knot signs every answer anyway.
        const p = await dnsperf(port, files.positives, {
          once: true,
          clients: opts.clients,
          dnssec,
          verbose: false,
        });
        say(`primed: every positive question once, ${p.sent} queries at ${p.qps.toFixed(0)} qps`);
      }
      const w = await dnsperf(port, files.queries, {
        seconds: opts.warmup,
        clients: opts.clients,
        dnssec,
        verbose: false,
      });
      say(`warm-up ${opts.warmup} s: ${w.qps.toFixed(0)} qps`);
      const cpu0 = cpuSecondsOf(server.pid);
      const t0 = performance.now();
      const perf = await dnsperf(port, files.queries, {
        seconds: opts.duration,
        clients: opts.clients,
        dnssec,
        verbose: false,
      });
      const serverCpu = (cpuSecondsOf(server.pid) - cpu0) / ((performance.now() - t0) / 1000);
      const mem = memoryOf(server.pid);
      keep(`--- dnsperf ${opts.duration} s ${mode} against ${c.label}\n${perf.summary}`);
      const tail = await dnsperf(port, files.queries, {
        seconds: opts.latencyDuration,
        clients: opts.clients,
        dnssec,
        verbose: true,
      });
      keep(
        `--- dnsperf -v ${opts.latencyDuration} s ${mode} (latency percentiles)\n${tail.summary}`,
      );
      perf.p50Ms = tail.p50Ms;
      perf.p99Ms = tail.p99Ms;
      say(
        `load ${opts.duration} s: ${perf.qps.toFixed(0)} qps, avg ${perf.avgMs.toFixed(3)} ms, ` +
          `p99 ${
            tail.p99Ms.toFixed(3)
          } ms (-v, ${opts.latencyDuration} s), lost ${perf.lost}/${perf.sent}; ` +
          `server CPU ${(serverCpu * 100).toFixed(0)}% of core 0, dnsperf CPU ${
            (perf.dnsperfCpu * 100).toFixed(0)
          }% of core 1; PSS ${(mem.pssKiB / 1024).toFixed(1)} MiB, RSS ${
            (mem.rssKiB / 1024).toFixed(1)
          } MiB; load average ${
            Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
          }`,
      );
      say(`responses: ${perf.rcodes}`);
      rows.push({
        server: c.name === "node" ? "node" : "knot",
        label: c.label,
        mode,
        round,
        perf,
        pssMiB: mem.pssKiB / 1024,
        rssMiB: mem.rssKiB / 1024,
        serverCpu,
      });
    }
  } finally {
    await stopProcess(server.child);
    const logTail = server.logs().trim().split("\n").slice(-5).join("\n");
    if (logTail) keep(`--- last log lines of ${c.label}\n${logTail}`);
  }
  return rows;
}

// ---------------------------------------------------------------- main

/** The middle element by `key`; the lower of the two middles for an even count (conservative). */
function median<T>(items: T[], key: (x: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function table(rows: Row[]): string[] {
  const head = [
    "server",
    "mode",
    "qps",
    "avg ms",
    "p99 ms",
    "lost",
    "PSS MiB",
    "RSS MiB",
    "CPU",
    "qps per CPU-s",
  ];
  const body = rows.map((r) => [
    r.label,
    r.mode === "signed" ? "signed (DO=1)" : "unsigned (DO=0)",
    r.perf.qps.toFixed(0),
    r.perf.avgMs.toFixed(3),
    r.perf.p99Ms.toFixed(3),
    String(r.perf.lost),
    r.pssMiB.toFixed(1),
    r.rssMiB.toFixed(1),
    `${(r.serverCpu * 100).toFixed(0)}%`,
    (r.perf.qps / Math.max(r.serverCpu, 0.01)).toFixed(0),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)];
}

async function main(): Promise<number> {
  const opts = parseOptions(Deno.args);
  requireFiles([KNOTD_BIN, DNSPERF_BIN], "Debian: apt-get install -y knot dnsperf");
  const dir = await Deno.makeTempDir({ prefix: "dmp-bench-signed-" });
  const tStart = performance.now();
  const date = new Date().toISOString();
  say(`signed_qps_vs_knot — ${date}`);
  say(describeHost());
  say(
    `versions: node ${run("node", ["--version"]).out.trim()}, ${knotVersion()}, dnsperf ${
      run(DNSPERF_BIN, ["-h"]).out.match(/Version ([\d.]+)/)?.[1] ?? "?"
    }`,
  );
  say(
    `parameters: ${opts.records} TXT records, seed ${opts.seed}; dnsperf -c ${opts.clients} -T 1 ` +
      `-l ${opts.duration} (DO=1 runs with -D) after a ${opts.warmup} s warm-up; p99 from a further ` +
      `${opts.latencyDuration} s with -v; server on core 0 (Knot: 1 UDP worker), dnsperf and this ` +
      `script on core 1; node DMP_DNS_RATE=0 DMP_DNS_RRL_RATE=0 DMP_LOG_LEVEL=WARNING; both sign ` +
      `with one ECDSA P-256 key (algorithm 13)`,
  );
  run("taskset", ["-a", "-p", "-c", "1", String(Deno.pid)]);
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    const data = generate(opts.seed, opts.records);
    Deno.writeTextFileSync(`${dir}/${ZONE}.zone`, data.zoneFile);
    const files = { queries: `${dir}/queries.txt`, positives: `${dir}/positives.txt` };
    Deno.writeTextFileSync(files.queries, data.queries);
    Deno.writeTextFileSync(files.positives, data.positives);
    const dbUrl = `file:${dir}/dmp.db`;
    if (opts.only.includes("node")) await loadSignedZone(dbUrl, data);
    const bundle = opts.only.includes("node") ? buildNodeBundle() : "";
    const q = data.queryMix;
    say(
      `data: ${data.records.length} TXT owners + apex A and ns1 A; queries: ${q.txt} existing ` +
        `TXT, ${q.a} A, ${q.nxdomain} missing names (random mailboxes), ${q.soa} apex SOA; ` +
        `generated and loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`,
    );
    for (let round = 1; round <= opts.rounds; round++) {
      if (opts.rounds > 1) say(`\n-- round ${round} of ${opts.rounds}`);
      for (const c of contenders(opts, dbUrl, bundle)) {
        rows.push(...await measure(c, round, dir, files, data, opts));
      }
    }
  } finally {
    await cleanupAll();
  }
  const pick = (server: string, mode: string, round: number) =>
    rows.find((r) => r.server === server && r.mode === mode && r.round === round);
  // Each (server, mode)'s median round by qps for the table.
  const shown: Row[] = [];
  for (const server of ["node", "knot"]) {
    for (const mode of ["unsigned", "signed"]) {
      const mine = rows.filter((r) => r.server === server && r.mode === mode);
      if (mine.length > 0) shown.push(median(mine, (r) => r.perf.qps));
    }
  }
  say("");
  for (const l of table(shown)) say(l);
  /** Per-round ratios a/b of qps, with their worst and median. */
  const ratio = (what: string, a: [string, string], b: [string, string], target?: number) => {
    const per: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const x = pick(a[0], a[1], round);
      const y = pick(b[0], b[1], round);
      if (x && y) per.push(x.perf.qps / y.perf.qps);
    }
    if (per.length === 0) return;
    const worst = Math.min(...per);
    const med = median(per, (v) => v);
    const verdict = target === undefined
      ? ""
      : ` (target >= ${target}x: ${
        worst >= target
          ? "met in every round"
          : med >= target
          ? "met by the median, not every round"
          : "NOT met"
      })`;
    say(
      `${what}: per round ${per.map((v) => v.toFixed(2) + "x").join(", ")}; worst ${
        worst.toFixed(2)
      }x, median ${med.toFixed(2)}x${verdict}`,
    );
  };
  ratio("dmp signed / dmp unsigned", ["node", "signed"], ["node", "unsigned"]);
  ratio("Knot signed / Knot unsigned", ["knot", "signed"], ["knot", "unsigned"]);
  ratio("dmp unsigned / Knot unsigned", ["node", "unsigned"], ["knot", "unsigned"]);
  ratio("dmp signed / Knot signed", ["node", "signed"], ["knot", "signed"], 0.5);
  if (rows.some((r) => r.perf.dnsperfCpu > 0.9)) {
    say("note: dnsperf used > 90% of its core in at least one run; that run may be client-bound.");
  }
  say(`total ${((performance.now() - tStart) / 1000).toFixed(0)} s`);
  saveResults("signed_qps_vs_knot", date);
  if (!opts.keep) Deno.removeSync(dir, { recursive: true });
  return 0;
}

await runBench(main);
