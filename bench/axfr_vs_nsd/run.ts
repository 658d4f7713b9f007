/**
 * Benchmark of issue 16: AXFR (RFC 5936) of the 100,000-TXT-record bench
 * zone from the udp-node against NSD serving the same zone, in one run,
 * TSIG-signed (hmac-sha256, as a secondary would ask), the contenders
 * alternating for `--rounds` rounds and each restarted per round.
 *
 *   ./node_modules/.bin/deno run -A bench/axfr_vs_nsd/run.ts [options]
 *
 * Options: --records=N (100000) --seed=N --rounds=N (3) --transfers=N (5 timed
 * transfers per server and round, after one untimed) --only=node,nsd --keep
 * (keep the temp dir).
 *
 * The time of one transfer runs from writing the request to the last byte of
 * the last message; the client only frames messages and adds up their answer
 * counts while timing, then verifies every message's TSIG (RFC 8945 §5.3.1),
 * SOA first and last and the record count. The verdict is the worst round's
 * ratio of the node's median transfer time to NSD's. Every process binds
 * 127.0.0.1 only and is stopped at the end, on error and on Ctrl-C; results
 * go to bench/results/<date>-axfr_vs_nsd.txt.
 *
 * @module
 */

import {
  buildNodeBundle,
  freePort,
  type Server,
  sleep,
  spawnServer,
  stopProcess,
  udpNodeFlags,
} from "../_support/processes.ts";
import { cpuSecondsOf, run } from "../_support/proc_stats.ts";
import {
  describeHost,
  keep,
  requireFiles,
  runBench,
  saveResults,
  say,
} from "../_support/report.ts";
import { BENCH_ZONE, generateTxtZone, loadTxtZone } from "../_support/txt_zone.ts";
import { NSD_BIN, nsdVersion, startNsd } from "../_support/nsd.ts";
import { parseBenchOptions } from "../_support/bench_options.ts";
import { createClient } from "@libsql/client";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { putTransferPolicy } from "../../packages/core/store/transfer_policy.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import { type TsigKey, tsigKey } from "../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { createTcpVerifier } from "../../packages/core/tsig/verify_response.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { CLASS, OPCODE, TYPE } from "../../packages/core/wire/constants.ts";

const ZONE = BENCH_ZONE;
const KEY_NAME = "xfr-bench";
/** A transfer that has not finished by then fails the run. */
const TRANSFER_TIMEOUT_MS = 60_000;

interface Options {
  records: number;
  seed: number;
  rounds: number;
  transfers: number;
  only: string[];
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  return parseBenchOptions(
    argv,
    {
      records: 100_000,
      seed: 20260602,
      rounds: 3,
      transfers: 5,
      only: ["node", "nsd"],
      keep: false,
    },
    "usage: deno run -A bench/axfr_vs_nsd/run.ts [--records=100000] [--seed=N] [--rounds=3] " +
      "[--transfers=5] [--only=node,nsd] [--keep]",
    { choices: { only: ["node", "nsd"] } },
  );
}

// ---------------------------------------------------------------- the client

/** One finished transfer: its messages, bytes on the wire and time to the last byte. */
interface Transfer {
  messages: Uint8Array[];
  bytes: number;
  seconds: number;
}

/**
 * AXFR over TCP, TSIG-signed: sends the request and reads length-prefixed
 * messages until their answer counts add up to `expectRrs` (or, when
 * undefined, until a message ends with the second SOA, decoding every
 * message: the untimed first transfer).
 */
async function axfr(port: number, key: TsigKey, expectRrs?: number): Promise<
  Transfer & {
    requestMac: Uint8Array;
  }
> {
  const query = encodeMessage({
    // A fresh ID per request: two requests signed in the same second would otherwise carry the
    // same MAC, and the node refuses a MAC it has seen (replay protection).
    id: crypto.getRandomValues(new Uint16Array(1))[0],
    flags: 0,
    opcode: OPCODE.QUERY,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.AXFR, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
  const signed = await signRequest(query, { key, now: Math.floor(Date.now() / 1000) });
  const frame = new Uint8Array(signed.wire.length + 2);
  frame[0] = signed.wire.length >> 8;
  frame[1] = signed.wire.length & 0xff;
  frame.set(signed.wire, 2);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), TRANSFER_TIMEOUT_MS);
  const messages: Uint8Array[] = [];
  let buf = new Uint8Array(1 << 20);
  let filled = 0;
  let consumed = 0;
  let rrs = 0;
  let soas = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    await conn.write(frame);
    const chunk = new Uint8Array(1 << 16);
    for (;;) {
      const n = await conn.read(chunk);
      if (n === null) throw new Error(`connection closed after ${rrs} records`);
      if (filled + n > buf.length) {
        const live = buf.subarray(consumed, filled);
        const next = new Uint8Array(Math.max(buf.length, (live.length + n) * 2));
        next.set(live);
        buf = next;
        filled = live.length;
        consumed = 0;
      }
      buf.set(chunk.subarray(0, n), filled);
      filled += n;
      bytes += n;
      let done = false;
      while (filled - consumed >= 2) {
        const len = (buf[consumed] << 8) | buf[consumed + 1];
        if (filled - consumed < 2 + len) break;
        const msg = buf.slice(consumed + 2, consumed + 2 + len);
        consumed += 2 + len;
        messages.push(msg);
        if ((msg[3] & 0x0f) !== 0) throw new Error(`server answered rcode ${msg[3] & 0x0f}`);
        rrs += (msg[6] << 8) | msg[7];
        if (expectRrs !== undefined) {
          if (rrs >= expectRrs) done = true;
        } else {
          const d = decodeMessage(msg);
          if (!d.ok) throw new Error(`undecodable message ${messages.length}`);
          soas += d.message.answers.filter((a) => a.type === TYPE.SOA).length;
          if (soas >= 2) done = true;
        }
      }
      if (done) break;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  return { messages, bytes, seconds: (performance.now() - t0) / 1000, requestMac: signed.mac };
}

/** Checks a transfer after timing: every TSIG, SOA first and last, the number of records. */
async function verifyTransfer(
  t: Transfer & { requestMac: Uint8Array },
  key: TsigKey,
): Promise<{ rrs: number; signed: number }> {
  const verifier = createTcpVerifier({ key, requestMac: t.requestMac });
  const now = Math.floor(Date.now() / 1000);
  const types: number[] = [];
  let signed = 0;
  for (const [i, wire] of t.messages.entries()) {
    const d = decodeMessage(wire);
    if (!d.ok) throw new Error(`message ${i} does not decode`);
    const v = await verifier.verify(wire, d.message.tsigOffset, now);
    if (d.message.tsigOffset !== undefined) signed++;
    // Unsigned messages between signed ones are allowed (RFC 8945 §5.3.1); the verifier folds
    // them into the next signed one.
    if (!v.ok && !(v.reason === "unsigned" && d.message.tsigOffset === undefined)) {
      throw new Error(`message ${i}: TSIG does not verify (${v.reason})`);
    }
    for (const a of d.message.answers) types.push(a.type);
  }
  if (!verifier.settled) throw new Error("the last message is not signed");
  if (types[0] !== TYPE.SOA || types[types.length - 1] !== TYPE.SOA) {
    throw new Error("the transfer does not start and end with the SOA");
  }
  return { rrs: types.length, signed };
}

// ---------------------------------------------------------------- contenders

interface Contender {
  name: string;
  label: string;
  version: string;
  start(port: number): Promise<Server>;
}

function dig(port: number, name: string, type: string): string {
  return run("dig", ["@127.0.0.1", "-p", String(port), "+tries=1", "+time=1", name, type]).out;
}

async function waitUntilAnswering(server: Server, port: number, timeoutMs: number) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (server.exited()) throw new Error(`${server.name} exited during start:\n${server.logs()}`);
    const out = dig(port, ZONE, "SOA");
    if (/status: NOERROR/.test(out) && /ANSWER: 1,/.test(out)) {
      return (performance.now() - t0) / 1000;
    }
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms:\n${server.logs()}`);
}

function contenders(opts: Options, dir: string, dbUrl: string, key: TsigKey, sealing: string) {
  const all: Contender[] = [];
  if (opts.only.includes("node")) {
    const bundle = buildNodeBundle();
    all.push({
      name: "node",
      label: "dmp udp-node (Node)",
      version: `node ${run("node", ["--version"]).out.trim()}`,
      start: async (port) =>
        spawnServer("node", "taskset", ["-c", "0", "node", ...udpNodeFlags(), bundle, "node"], {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: Deno.env.get("HOME") ?? "/tmp",
          NO_COLOR: "1",
          DMP_DB_URL: dbUrl,
          DMP_DNS_HOST: "127.0.0.1",
          DMP_DNS_PORT: String(port),
          DMP_DNS_RATE: "0",
          DMP_DNS_RRL_RATE: "0",
          DMP_NODE_HTTP_HOST: "127.0.0.1",
          DMP_NODE_HTTP_PORT: String(await freePort()),
          DMP_LOG_LEVEL: "WARNING",
          DMP_TSIG_SECRET_KEY: sealing,
        }),
    });
  }
  if (opts.only.includes("nsd")) {
    all.push({
      name: "nsd",
      label: "NSD",
      version: nsdVersion(),
      start: (port) =>
        Promise.resolve(startNsd(dir, port, ZONE, {
          top: `key:\n  name: ${KEY_NAME}\n  algorithm: hmac-sha256\n  secret: "${
            encodeBase64(key.secret)
          }"\n`,
          zone: `  provide-xfr: 127.0.0.1 ${KEY_NAME}\n`,
        })),
    });
  }
  return all;
}

// ---------------------------------------------------------------- measuring

interface Row {
  name: string;
  label: string;
  round: number;
  /** median, min and max seconds of the timed transfers */
  median: number;
  min: number;
  max: number;
  bytes: number;
  messages: number;
  rrs: number;
  signed: number;
  /** server CPU seconds per transfer */
  cpu: number;
}

async function measure(c: Contender, opts: Options, key: TsigKey, round: number): Promise<Row> {
  const port = await freePort();
  const server = await c.start(port);
  try {
    const startup = await waitUntilAnswering(server, port, 120_000);
    // Untimed first transfer: finds the end by the second SOA, and is verified whole.
    const first = await axfr(port, key);
    const check = await verifyTransfer(first, key);
    say(
      `  ${c.label}: up in ${startup.toFixed(1)} s; first transfer ${check.rrs} records in ` +
        `${first.messages.length} messages (${check.signed} signed), ${first.seconds.toFixed(3)} s`,
    );
    const times: number[] = [];
    let bytes = 0;
    let messages = 0;
    const cpu0 = cpuSecondsOf(server.pid);
    for (let i = 0; i < opts.transfers; i++) {
      const t = await axfr(port, key, check.rrs);
      times.push(t.seconds);
      bytes = t.bytes;
      messages = t.messages.length;
      const v = await verifyTransfer(t, key);
      if (v.rrs !== check.rrs) throw new Error(`${c.label}: ${v.rrs} records, then ${check.rrs}`);
    }
    const cpu = (cpuSecondsOf(server.pid) - cpu0) / opts.transfers;
    const sorted = [...times].sort((a, b) => a - b);
    keep(
      `  ${c.label} round ${round}: transfer seconds ${times.map((t) => t.toFixed(4)).join(" ")}`,
    );
    return {
      name: c.name,
      label: c.label,
      round,
      median: sorted[(sorted.length - 1) >> 1],
      min: sorted[0],
      max: sorted[sorted.length - 1],
      bytes,
      messages,
      rrs: check.rrs,
      signed: check.signed,
      cpu,
    };
  } finally {
    await stopProcess(server.child);
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

function table(rows: Row[]): string[] {
  const head = [
    "round",
    "server",
    "median s",
    "min–max s",
    "MiB",
    "MiB/s",
    "records/s",
    "msgs",
    "server CPU s",
    "time vs NSD",
  ];
  const nsdBy = new Map(rows.filter((r) => r.name === "nsd").map((r) => [r.round, r]));
  const body = rows.map((r) => {
    const nsd = nsdBy.get(r.round);
    return [
      String(r.round),
      r.label,
      r.median.toFixed(3),
      `${r.min.toFixed(3)}–${r.max.toFixed(3)}`,
      mib(r.bytes),
      (r.bytes / 2 ** 20 / r.median).toFixed(1),
      Math.round(r.rrs / r.median).toLocaleString("en-US"),
      String(r.messages),
      r.cpu.toFixed(3),
      nsd ? `${(r.median / nsd.median).toFixed(2)}×` : "-",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  return [
    line(head),
    "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |",
    ...body.map(line),
  ];
}

async function main(): Promise<number> {
  const opts = parseOptions(Deno.args);
  requireFiles([NSD_BIN, "/usr/bin/taskset"], "Debian: apt-get install -y nsd util-linux");
  const dir = await Deno.makeTempDir({ prefix: "dmp-bench-axfr-" });
  const date = new Date().toISOString();
  say(`axfr_vs_nsd — ${date}`);
  say(describeHost());
  say(`versions: node ${run("node", ["--version"]).out.trim()}, ${nsdVersion()}`);
  say(
    `parameters: ${opts.records} TXT records, seed ${opts.seed}; ${opts.rounds} rounds, servers ` +
      `alternating and restarted per round; per server and round one untimed AXFR, then ` +
      `${opts.transfers} timed; TSIG hmac-sha256 on request and answers; server on core 0 ` +
      `(taskset -c 0; NSD server-count 1), this client on core 1; node DMP_LOG_LEVEL=WARNING`,
  );
  say(
    "note: the machine is shared with other sessions (2 cores, ~6 engineers' builds and tests), " +
      "so single transfers vary; the verdict takes the worst round",
  );
  run("taskset", ["-a", "-p", "-c", "1", String(Deno.pid)]);
  try {
    const t0 = performance.now();
    const data = generateTxtZone(opts.seed, opts.records, "bench/axfr_vs_nsd/run.ts");
    Deno.writeTextFileSync(`${dir}/${ZONE}.zone`, data.zoneFile);
    const dbUrl = `file:${dir}/dmp.db`;
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const key = tsigKey(KEY_NAME, "hmac-sha256", secret);
    const sealing = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    if (opts.only.includes("node")) {
      await loadTxtZone(dbUrl, data.records);
      const client = createClient({ url: dbUrl });
      const now = Date.now() / 1000;
      await putTsigKey(client, await createSecretBox(sealing), {
        name: KEY_NAME,
        algorithm: "hmac-sha256",
        secret,
        allowedSuffixes: [],
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, now);
      await putTransferPolicy(client, {
        zone: ZONE,
        allowKeys: [KEY_NAME],
        allowNets: ["127.0.0.0/8"],
        notify: [],
      }, now);
      client.close();
    }
    say(
      `data: ${data.records.length} TXT values of ${data.valueBytes.min}–${data.valueBytes.max} ` +
        `bytes, zone file ${mib(data.zoneFile.length)} MiB, prepared in ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const list = contenders(opts, dir, dbUrl, key, sealing);
    for (const c of list) say(`${c.label}: ${c.version}`);
    const rows: Row[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      say(`round ${round}`);
      // Alternate who goes first, so neither always runs right after the other's shutdown.
      const order = round % 2 === 1 ? list : [...list].reverse();
      for (const c of order) rows.push(await measure(c, opts, key, round));
    }
    rows.sort((a, b) => a.round - b.round || a.name.localeCompare(b.name));
    say();
    for (const l of table(rows)) say(l);
    say();
    const counts = new Set(rows.map((r) => r.rrs));
    if (counts.size !== 1) throw new Error(`servers sent different record counts: ${[...counts]}`);
    const ratios = [...new Set(rows.map((r) => r.round))].map((round) => {
      const n = rows.find((r) => r.round === round && r.name === "node");
      const d = rows.find((r) => r.round === round && r.name === "nsd");
      return n && d ? n.median / d.median : undefined;
    }).filter((x): x is number => x !== undefined);
    if (ratios.length > 0) {
      const worst = Math.max(...ratios);
      say(
        `per-round AXFR time node / NSD: ${ratios.map((r) => `${r.toFixed(2)}×`).join(", ")}; ` +
          `verdict (worst round): the node takes ${worst.toFixed(2)}× NSD's time for ` +
          `${[...counts][0]} records`,
      );
    }
    saveResults("axfr_vs_nsd", date);
  } finally {
    if (!opts.keep) Deno.removeSync(dir, { recursive: true });
    else say(`kept ${dir}`);
  }
  return 0;
}

await runBench(main);
