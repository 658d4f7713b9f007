// deno-lint-ignore-file no-console -- a benchmark prints its progress
/**
 * Soak benchmark (issue 12): the production shape under mixed load for N
 * minutes with faults injected, then a check that no acknowledged write was
 * lost.
 *
 * - a `sqld` primary (JWT auth), the edge API (Deno) on it, two udp-nodes
 *   (`dist/dmp.mjs node`, the production bundle) on embedded replicas;
 * - queries: a bounded in-process UDP loop (dnsperf is not required) at
 *   `--qps` split over both nodes: ~70% existing DMP slot names (TXT), ~25%
 *   NXDOMAIN under `mb-*`/`slot-*` names, ~5% apex SOA; every query carries
 *   EDNS (1232, DO set) and a random 0x20 case;
 * - UPDATEs: real TSIG-signed (hmac-sha256, `signRequest`) RFC 2136 adds of a
 *   fresh TXT name at `--update-rate`, to the nodes alternately;
 * - edge writes: operator records API (`POST /v1/admin/zones/:zone/records`)
 *   at `--edge-rate`;
 * - chaos every `--chaos-every` minutes: sqld stopped (SIGTERM) and started
 *   again on the same data and port; half an interval later one node (in
 *   turn) is SIGKILLed and restarted on the same replica file and ports.
 *
 * Reported: RSS of every process sampled every `--sample` seconds, per window
 * (`--window` seconds) the queries sent/answered/unanswered and p50/p99/max
 * latency, the writes acknowledged and failed, the events; at the end every
 * acknowledged write (UPDATE NOERROR, HTTP 201) must be in the primary and be
 * answered by every node (bounded wait): "lost writes" must be 0.
 *
 * Run: `npm run bench:soak -- [--minutes 30] [--chaos-every 5] [--qps 400]`
 * or `./node_modules/.bin/deno run -A bench/soak/run.ts [options]`.
 *
 * @module
 */
import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { applyRecordChanges, readRecordsByName } from "../../packages/core/store/records.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { type EdgeProcess, startEdge } from "../../tests/_support/edge_process.ts";
import {
  freePort,
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
} from "../../tests/_support/node_process.ts";
import { buildQuery, udpExchange } from "../../tests/_support/raw_dns.ts";
import { type SqldProcess, startSqld } from "../../tests/_support/sqld.ts";
import { buildNodeBundle, descendants, sleep, udpNodeFlags } from "../_support/processes.ts";
import { describeHost, runBench, saveResults, say } from "../_support/report.ts";

const { values: opt } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "30" },
    "chaos-every": { type: "string", default: "5" },
    qps: { type: "string", default: "400" },
    "update-rate": { type: "string", default: "10" },
    "edge-rate": { type: "string", default: "4" },
    window: { type: "string", default: "30" },
    sample: { type: "string", default: "5" },
    mailboxes: { type: "string", default: "500" },
    seed: { type: "string", default: "1" },
  },
});
const MINUTES = Number(opt.minutes);
const CHAOS_MS = Number(opt["chaos-every"]) * 60_000;
const QPS = Number(opt.qps);
const UPDATE_RATE = Number(opt["update-rate"]);
const EDGE_RATE = Number(opt["edge-rate"]);
const WINDOW_MS = Number(opt.window) * 1000;
const SAMPLE_MS = Number(opt.sample) * 1000;
const MAILBOXES = Number(opt.mailboxes);
const SLOTS = 10;
for (const [k, v] of Object.entries({ MINUTES, CHAOS_MS, QPS, UPDATE_RATE, EDGE_RATE })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${k.toLowerCase()}: not a number ≥ 0`);
}

const ZONE = "soak.test";
const SEALING_KEY = "5a".repeat(32);
const OPERATOR_TOKEN = "soak-operator-token-" + crypto.randomUUID();
const KEY_NAME = `soak-key.${ZONE}`;
/** A query unanswered after this long counts as unanswered (a client would retry). */
const QUERY_TIMEOUT_MS = 2000;
/** How long the final check waits for every acknowledged write to reach every node. */
const CONVERGE_MS = 60_000;

/** Deterministic PRNG (mulberry32) so runs with one seed send the same mix. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(Number(opt.seed));
const hex12 = (i: number) => (0x100000000000 + i * 7919).toString(16).slice(-12);
const slotName = (m: number, s: number) => `slot-${s}.mb-${hex12(m)}.${ZONE}`;

/** A query of `name`/`type` in random 0x20 case with EDNS (RFC 6891): payload 1232, DO set. */
function mixedQuery(name: string, type: number, id: number): Uint8Array {
  let cased = "";
  for (const ch of name) cased += rand() < 0.5 ? ch.toUpperCase() : ch;
  const q = buildQuery(cased, type, id);
  const out = new Uint8Array(q.length + 11);
  out.set(q);
  out[11] = 1; // ARCOUNT
  // OPT RR: root owner, TYPE 41, CLASS = payload 1232, TTL = ext-rcode 0, version 0, DO (0x8000).
  out.set([0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0], q.length);
  return out;
}

interface Window {
  start: number;
  sent: number;
  answered: number;
  unanswered: number;
  wrong: number;
  latencies: number[];
  updatesAcked: number;
  updatesFailed: number;
  edgeAcked: number;
  edgeFailed: number;
  events: string[];
}

const newWindow = (start: number): Window => ({
  start,
  sent: 0,
  answered: 0,
  unanswered: 0,
  wrong: 0,
  latencies: [],
  updatesAcked: 0,
  updatesFailed: 0,
  edgeAcked: 0,
  edgeFailed: 0,
  events: [],
});

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * The test launchers own their processes (not the bench's `started` set): on
 * Ctrl-C or SIGTERM every descendant of this process is killed, so no sqld,
 * edge or node outlives the run.
 */
function killDescendantsOnSignal(): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      for (const pid of descendants(Deno.pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    });
  }
}

async function main(): Promise<number> {
  killDescendantsOnSignal();
  const t0 = Date.now();
  say(
    `soak: ${MINUTES} min, chaos every ${opt["chaos-every"]} min, ${QPS} qps, ` +
      `${UPDATE_RATE} UPDATE/s, ${EDGE_RATE} edge writes/s, windows of ${opt.window} s`,
  );
  say(describeHost());
  say(`node ${
    new TextDecoder().decode(
      new Deno.Command("node", { args: ["--version"], stdout: "piped" }).outputSync().stdout,
    ).trim()
  }, deno ${Deno.version.deno}; started ${new Date(t0).toISOString()}`);

  const entry = buildNodeBundle();
  const sqld: SqldProcess = await startSqld({ jwt: true });
  const remote = createClient({ url: sqld.url, authToken: sqld.token! });
  const now = () => Date.now() / 1000;
  await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await putTsigKey(remote, await createSecretBox(SEALING_KEY), {
    name: KEY_NAME,
    algorithm: "hmac-sha256",
    secret,
    allowedSuffixes: [ZONE],
    subject: "",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
  const key = tsigKey(KEY_NAME, "hmac-sha256", encodeBase64(secret));
  // Seed data: DMP mailbox slots (the mb-* names are empty non-terminals).
  for (let m = 0; m < MAILBOXES; m += 100) {
    const changes = [];
    for (let i = m; i < Math.min(MAILBOXES, m + 100); i++) {
      for (let s = 0; s < SLOTS; s++) {
        changes.push({
          op: "add" as const,
          zone: ZONE,
          name: slotName(i, s),
          type: "TXT",
          value: `v=dmp1;t=soak;m=${i};s=${s}`,
          ttl: 300,
          lifetime: 0,
        });
      }
    }
    await applyRecordChanges(remote, changes, { now: now() });
  }

  const edge: EdgeProcess = await startEdge({
    runtime: "deno",
    env: {
      DMP_DB_URL: sqld.url,
      DMP_DB_AUTH_TOKEN: sqld.token!,
      DMP_HTTP_HOST: "127.0.0.1",
      DMP_HTTP_PORT: "0",
      DMP_OPERATOR_TOKEN: OPERATOR_TOKEN,
      DMP_TSIG_SECRET_KEY: SEALING_KEY,
      DMP_LOG_LEVEL: "ERROR",
    },
  });
  const nodeOptions = async (dir: string, ports?: [number, number]) => {
    const dns = ports?.[0] ?? await freePort();
    const http = ports?.[1] ?? await freePort();
    return {
      ...replicaNodeOptions(sqld, dir, {
        DMP_DB_SYNC_INTERVAL: "0.5",
        DMP_DNS_UPDATE_ENABLED: "1",
        DMP_TSIG_SECRET_KEY: SEALING_KEY,
        DMP_LOG_LEVEL: "INFO", // the launcher waits for the INFO line "DMP node up"
        DMP_DNS_PORT: String(dns),
        DMP_NODE_HTTP_PORT: String(http),
      }),
      entry,
      nodeFlags: udpNodeFlags(),
    };
  };
  const dirs = [
    await Deno.makeTempDir({ prefix: "dmp-soak-" }),
    await Deno.makeTempDir({ prefix: "dmp-soak-" }),
  ];
  const nodes: (NodeProcess | undefined)[] = [];
  for (let i = 0; i < 2; i++) nodes.push(await startNodeProcess(await nodeOptions(dirs[i])));
  const ports = nodes.map((n) => [n!.dnsPort, n!.httpPort] as [number, number]);
  say(
    `up in ${((Date.now() - t0) / 1000).toFixed(1)} s: sqld ${sqld.url}, edge ${edge.url}, ` +
      `nodes dns ${ports.map((p) => p[0]).join(", ")}; ${MAILBOXES * SLOTS} seeded records`,
  );

  const start = Date.now();
  const end = start + MINUTES * 60_000;
  const windows: Window[] = [newWindow(start)];
  const cur = () => windows[windows.length - 1];
  const acked: { name: string; value: string; via: string }[] = [];
  const rss: { t: number; kib: Record<string, number> }[] = [];
  const procNames = ["sqld", "edge", "node 1", "node 2"];
  let stopping = false;

  // --- queries: one socket per node, ids matched to send times ---
  const inflight = new Map<number, { t: number; expect: number }>();
  let nextId = 1;
  const sockets = [0, 1].map(() => dgram.createSocket("udp4"));
  for (const s of sockets) {
    s.on("message", (msg: Uint8Array) => {
      const id = (msg[0] << 8) | msg[1];
      const q = inflight.get(id);
      if (!q) return;
      inflight.delete(id);
      const w = cur();
      w.answered++;
      w.latencies.push(performance.now() - q.t);
      if ((msg[3] & 0xf) !== q.expect || (msg[2] & 0x02) !== 0) w.wrong++;
    });
    s.on("error", () => {});
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  }
  const sendQuery = () => {
    const r = rand();
    let name: string;
    let type: number = TYPE.TXT;
    let expect: number = RCODE.NOERROR;
    if (r < 0.7) name = slotName(Math.floor(rand() * MAILBOXES), Math.floor(rand() * SLOTS));
    else if (r < 0.95) {
      // NXDOMAIN under mb-*/slot-* shapes: a missing slot of a real mailbox, or a missing mailbox.
      name = rand() < 0.5
        ? `slot-${SLOTS + Math.floor(rand() * 90)}.mb-${
          hex12(Math.floor(rand() * MAILBOXES))
        }.${ZONE}`
        : slotName(MAILBOXES + Math.floor(rand() * 1e6), Math.floor(rand() * SLOTS));
      expect = RCODE.NXDOMAIN;
    } else {
      name = ZONE;
      type = TYPE.SOA;
    }
    const id = nextId;
    nextId = (nextId + 1) & 0xffff || 1;
    if (inflight.has(id)) return; // 65k outstanding: the id is still owed an answer
    const node = id & 1;
    inflight.set(id, { t: performance.now(), expect });
    cur().sent++;
    sockets[node].send(mixedQuery(name, type, id), ports[node][0], "127.0.0.1");
  };
  // Owed queries follow the clock, not the tick count: a late timer sends what it owes.
  let owed = 0;
  let lastTick = performance.now();
  const queryTimer = setInterval(() => {
    const tick = performance.now();
    owed = Math.min(owed + (QPS * (tick - lastTick)) / 1000, QPS); // at most 1 s of backlog
    lastTick = tick;
    for (; owed >= 1; owed--) sendQuery();
    const late = performance.now() - QUERY_TIMEOUT_MS;
    for (const [id, q] of inflight) {
      if (q.t > late) break; // Map keeps insertion order: the rest are younger
      inflight.delete(id);
      cur().unanswered++;
    }
  }, 10);

  // --- UPDATEs: TSIG-signed adds at fresh names, to the nodes in turn ---
  let updateSeq = 0;
  const updateLoop = (async () => {
    while (!stopping && UPDATE_RATE > 0) {
      const n = updateSeq++;
      const name = `id-u${n}.${ZONE}`;
      const value = `u${n}-${Math.floor(rand() * 1e9)}`;
      const wire = encodeMessage({
        id: n & 0xffff,
        flags: 0,
        opcode: 5,
        rcode: 0,
        questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
        answers: [],
        authorities: [{
          name,
          type: TYPE.TXT,
          class: CLASS.IN,
          ttl: 300,
          rdata: encodeTxtRdata(value),
        }],
        additionals: [],
      });
      const signed = (await signRequest(wire, { key, now: Math.floor(now()) })).wire;
      const reply = await udpExchange(ports[n & 1][0], signed, 3000);
      if (reply && (reply[3] & 0xf) === RCODE.NOERROR && (reply[2] & 0x78) >> 3 === 5) {
        acked.push({ name, value, via: `UPDATE node ${(n & 1) + 1}` });
        cur().updatesAcked++;
      } else cur().updatesFailed++;
      await sleep(1000 / UPDATE_RATE);
    }
  })();

  // --- edge writes: operator records API over HTTP ---
  let edgeSeq = 0;
  const edgeLoop = (async () => {
    while (!stopping && EDGE_RATE > 0) {
      const n = edgeSeq++;
      const name = `e${n}.${ZONE}`;
      const value = `e${n}-${Math.floor(rand() * 1e9)}`;
      try {
        const r = await fetch(`${edge.url}/v1/admin/zones/${ZONE}/records`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${OPERATOR_TOKEN}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({
            name,
            type: "TXT",
            value,
            ttl: 300,
            lifetime: MINUTES * 60 + 7200,
          }),
          signal: AbortSignal.timeout(5000),
        });
        await r.body?.cancel();
        if (r.status === 201) {
          acked.push({ name, value, via: "edge" });
          cur().edgeAcked++;
        } else cur().edgeFailed++;
      } catch {
        cur().edgeFailed++;
      }
      await sleep(1000 / EDGE_RATE);
    }
  })();

  // --- RSS samples ---
  const sample = () => {
    const kib: Record<string, number> = {};
    for (const pid of descendants(Deno.pid)) {
      const c = cmdline(pid);
      if (c.includes(sqld.dir)) kib.sqld = (kib.sqld ?? 0) + rssKiB(pid);
      else if (c.includes("edge-api/adapters")) kib.edge = (kib.edge ?? 0) + rssKiB(pid);
    }
    nodes.forEach((n, i) => {
      if (n) kib[`node ${i + 1}`] = rssKiB(n.child.pid);
    });
    rss.push({ t: Date.now() - start, kib });
  };
  sample();
  const sampleTimer = setInterval(sample, SAMPLE_MS);

  // --- windows and chaos ---
  const event = (s: string) => {
    cur().events.push(s);
    console.error(`[${((Date.now() - start) / 1000).toFixed(0)} s] ${s}`);
  };
  let nextChaosSqld = start + CHAOS_MS;
  let nextChaosNode = start + CHAOS_MS / 2;
  let victim = 0;
  let nextWindow = start + WINDOW_MS;
  while (Date.now() < end) {
    await sleep(100);
    const t = Date.now();
    if (t >= nextWindow) {
      const w = cur();
      console.error(
        `[${((t - start) / 1000).toFixed(0)} s] ${w.sent} q, ${w.unanswered} unanswered, p99 ${
          pct(w.latencies, 99)?.toFixed(1)
        } ms, ${w.updatesAcked} UPDATE ok, ${w.edgeAcked} edge ok`,
      );
      windows.push(newWindow(t));
      nextWindow += WINDOW_MS;
    }
    // No fault in the last 10 s: the final window measures recovery, not a fresh outage.
    const quiet = t >= end - 10_000;
    if (CHAOS_MS > 0 && t >= nextChaosSqld && !quiet) {
      nextChaosSqld += CHAOS_MS;
      const c0 = Date.now();
      await sqld.stop("SIGTERM");
      await sleep(1000);
      await sqld.start();
      event(`sqld restarted (down ${((Date.now() - c0) / 1000).toFixed(1)} s)`);
    }
    if (CHAOS_MS > 0 && t >= nextChaosNode && !quiet) {
      nextChaosNode += CHAOS_MS;
      const i = victim;
      victim ^= 1;
      const c0 = Date.now();
      const n = nodes[i]!;
      nodes[i] = undefined;
      await n.stop("SIGKILL");
      await sleep(1000);
      nodes[i] = await startNodeProcess(await nodeOptions(dirs[i], ports[i]));
      event(`node ${i + 1} SIGKILLed, back in ${((Date.now() - c0) / 1000).toFixed(1)} s`);
    }
  }
  stopping = true;
  clearInterval(queryTimer);
  await Promise.all([updateLoop, edgeLoop]);
  await sleep(QUERY_TIMEOUT_MS);
  cur().unanswered += inflight.size;
  clearInterval(sampleTimer);
  sample();
  for (const s of sockets) s.close();

  // --- lost writes: every acknowledged write at the primary and answered by every node ---
  say("");
  say(`checking ${acked.length} acknowledged writes at the primary and on both nodes…`);
  const atPrimary = new Set<string>();
  for (let i = 0; i < acked.length; i += 200) {
    const slice = acked.slice(i, i + 200);
    for (const r of await readRecordsByName(remote, slice.map((a) => a.name), now())) {
      atPrimary.add(`${r.name}|${r.value}`);
    }
  }
  const missingPrimary = acked.filter((a) => !atPrimary.has(`${a.name}|${a.value}`));
  const served = async (port: number, a: { name: string; value: string }) => {
    const r = await udpExchange(port, buildQuery(a.name, TYPE.TXT, 7), 1000);
    if (!r) return false;
    const m = decodeMessage(r);
    if (!m.ok) return false;
    const want = new TextEncoder().encode(a.value);
    return m.message.answers.some((rr) =>
      rr.type === TYPE.TXT && rr.rdata.length === want.length + 1 &&
      want.every((b, k) => rr.rdata[k + 1] === b)
    );
  };
  const missing: number[] = [];
  const convergeStart = Date.now();
  for (let i = 0; i < 2; i++) {
    let pending = acked;
    while (pending.length > 0 && Date.now() - convergeStart < CONVERGE_MS) {
      const still: typeof acked = [];
      for (let k = 0; k < pending.length; k += 32) {
        const batch = pending.slice(k, k + 32);
        const ok = await Promise.all(batch.map((a) => served(ports[i][0], a)));
        batch.forEach((a, j) => ok[j] || still.push(a));
      }
      pending = still;
      if (pending.length > 0) await sleep(500);
    }
    missing.push(pending.length);
    for (const a of pending.slice(0, 5)) say(`  node ${i + 1} never answered ${a.name} (${a.via})`);
  }
  for (const a of missingPrimary.slice(0, 5)) say(`  primary lacks ${a.name} (${a.via})`);
  const lost = new Set([
    ...missingPrimary.map((a) => a.name),
  ]).size + Math.max(...missing);

  // --- report ---
  say("");
  say("Per window (queries to both nodes; latency of answered queries):");
  say(
    "| t (s) | sent | answered | unanswered | wrong rcode | p50 ms | p99 ms | max ms | UPDATE ok/fail | edge ok/fail | events |",
  );
  say("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const w of windows) {
    if (w.sent === 0 && w.events.length === 0) continue;
    const f = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(2));
    say(
      `| ${
        ((w.start - start) / 1000).toFixed(0)
      } | ${w.sent} | ${w.answered} | ${w.unanswered} | ${w.wrong} | ${f(pct(w.latencies, 50))} | ${
        f(pct(w.latencies, 99))
      } | ${
        f(w.latencies.length ? w.latencies.reduce((a, b) => Math.max(a, b)) : NaN)
      } | ${w.updatesAcked}/${w.updatesFailed} | ${w.edgeAcked}/${w.edgeFailed} | ${
        w.events.join("; ")
      } |`,
    );
  }
  say("");
  say("RSS over time (MiB; a node's RSS restarts from scratch after its SIGKILL):");
  say(`| t (s) | ${procNames.join(" | ")} |`);
  say(`| --- | ${procNames.map(() => "---").join(" | ")} |`);
  const every = Math.max(1, Math.round(rss.length / 40));
  rss.forEach((s, k) => {
    if (k % every !== 0 && k !== rss.length - 1) return;
    say(
      `| ${(s.t / 1000).toFixed(0)} | ${
        procNames.map((p) => s.kib[p] ? (s.kib[p] / 1024).toFixed(0) : "down").join(" | ")
      } |`,
    );
  });
  const all = windows.flatMap((w) => w.latencies);
  const totals = windows.reduce((a, w) => ({
    sent: a.sent + w.sent,
    unanswered: a.unanswered + w.unanswered,
    wrong: a.wrong + w.wrong,
  }), { sent: 0, unanswered: 0, wrong: 0 });
  say("");
  say(
    `queries: ${totals.sent} sent, ${totals.unanswered} unanswered (mostly to a killed node), ` +
      `${totals.wrong} with an unexpected rcode or TC; p99 over the run ${
        pct(all, 99).toFixed(2)
      } ms`,
  );
  say(
    `writes acknowledged: ${acked.filter((a) => a.via !== "edge").length} UPDATE, ` +
      `${
        acked.filter((a) => a.via === "edge").length
      } edge; missing at the primary: ${missingPrimary.length}; ` +
      `not answered after ${CONVERGE_MS / 1000} s: node 1 ${missing[0]}, node 2 ${missing[1]}`,
  );
  say(`lost writes: ${lost} (target 0)`);

  for (const n of nodes) await n?.stop();
  await edge.stop();
  remote.close();
  await sqld.stop();
  for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  await Deno.remove(sqld.dir, { recursive: true }).catch(() => {});
  saveResults("soak", new Date(t0).toISOString());
  return lost === 0 ? 0 : 1;
}

await runBench(main);
