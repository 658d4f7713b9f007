// deno-lint-ignore-file no-console
/**
 * Where one UPDATE's time goes in the udp-node, stage by stage, without
 * sockets: the same calls `apps/udp-node/update/handle_update.ts` makes for a
 * TSIG-signed one-TXT-add UPDATE, timed one after the other (no concurrency),
 * on a `file:` database and on an embedded replica of a local `sqld`, with
 * this process and sqld both pinned to core 0 (the budget of run.ts).
 *
 *   ./node_modules/.bin/deno run -A bench/update_rate_vs_bind/stages.ts [--n=300]
 *
 * The table also goes to bench/results/<date>-update_rate_vs_bind-stages.txt.
 *
 * Also times the candidate fixes: a write through a plain remote (Hrana over
 * HTTP) client instead of the embedded replica, `PRAGMA synchronous = NORMAL`
 * on the file, and group commits (k adds in one batch, one sync + catch-up).
 *
 * @module
 */

import { createClient } from "@libsql/client";
import { prepareFileDatabase } from "../../packages/core/store/file_database.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import {
  applyRecordChanges,
  readRecordsByName,
  type RecordChange,
} from "../../packages/core/store/records.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { signRequest, signResponse } from "../../packages/core/tsig/sign.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { verifyTsig } from "../../packages/core/tsig/verify.ts";
import { CLASS, OPCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import { JournalFollower } from "../../apps/udp-node/zone_index/follow_journal.ts";
import { NodeKeyring } from "../../apps/udp-node/update/node_keyring.ts";
import { KEY_NAME, SEALING_KEY, seedBenchStore, ZONE } from "./bench_store.ts";
import { startPinnedSqld } from "../_support/sqld.ts";
import { stopProcess } from "../_support/processes.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const N = Number(Deno.args.find((a) => a.startsWith("--n="))?.slice(4) ?? 300);

const enc = new TextEncoder();
const secret = crypto.getRandomValues(new Uint8Array(32));
const key = tsigKey(KEY_NAME, "hmac-sha256", secret);
let counter = 0;

function cpuOf(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function signedUpdate(name: string): Promise<Uint8Array> {
  const value = enc.encode(`v=dmp1;t=bench;n=${name};k=BENCHk2V5AAAAAAAAAAAAAAAAAAAAAAAAA`);
  const rdata = new Uint8Array(value.length + 1);
  rdata[0] = value.length;
  rdata.set(value, 1);
  const wire = encodeMessage({
    id: counter & 0xffff,
    flags: 0,
    opcode: OPCODE.UPDATE,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authorities: [{ name, type: TYPE.TXT, class: CLASS.IN, ttl: 300, rdata }],
    additionals: [],
  });
  return (await signRequest(wire, { key, now: Math.floor(Date.now() / 1000) })).wire;
}

type Stage = "verify" | "capRead" | "write" | "sync" | "catchUp" | "sign";

/** Runs `n` updates through the handler's stages one by one; ms per stage (mean). */
async function stages(
  label: string,
  client: SqlClient,
  sync: (() => Promise<void>) | undefined,
  writer: SqlClient,
  sqldPid: number | undefined,
  group = 1,
): Promise<string> {
  const index = new ZoneIndex();
  const follower = new JournalFollower(client, index);
  const keyring = new NodeKeyring(client, await createSecretBox(SEALING_KEY));
  await keyring.reload(Date.now() / 1000);
  await follower.loadAll(Date.now() / 1000);
  const t: Record<Stage, number> = {
    verify: 0,
    capRead: 0,
    write: 0,
    sync: 0,
    catchUp: 0,
    sign: 0,
  };
  const cpu0 = sqldPid ? cpuOf(sqldPid) : 0;
  const tAll = performance.now();
  let done = 0;
  while (done < N) {
    const changes: RecordChange[] = [];
    const verified = [];
    for (let g = 0; g < group; g++) {
      const name = `id-${label.replace(/\W+/g, "")}-${++counter}.${ZONE}`;
      const wire = await signedUpdate(name);
      const now = Math.floor(Date.now() / 1000);
      let t0 = performance.now();
      const msg = decodeMessage(wire);
      if (!msg.ok) throw new Error("decode");
      const v = await verifyTsig(wire, msg.message.tsigOffset!, keyring, { now });
      if (v.kind !== "verified") throw new Error(`verify: ${v.kind}`);
      t.verify += performance.now() - t0;
      t0 = performance.now();
      await readRecordsByName(client, [name], now);
      t.capRead += performance.now() - t0;
      changes.push({
        op: "add",
        zone: ZONE,
        name,
        type: "TXT",
        value: `v=${counter}`,
        ttl: 300,
        lifetime: 300,
      });
      verified.push(v);
    }
    const now = Math.floor(Date.now() / 1000);
    let t0 = performance.now();
    await applyRecordChanges(writer, changes, { now, maxValuesPerName: 64 });
    t.write += performance.now() - t0;
    t0 = performance.now();
    await sync?.();
    t.sync += performance.now() - t0;
    t0 = performance.now();
    await follower.catchUp(now);
    t.catchUp += performance.now() - t0;
    t0 = performance.now();
    for (const v of verified) {
      await signResponse(new Uint8Array(12), { key: v.key, requestMac: v.requestMac, now });
    }
    t.sign += performance.now() - t0;
    done += group;
  }
  const wall = performance.now() - tAll;
  const sqldMs = sqldPid ? (cpuOf(sqldPid) - cpu0) * 1000 / done : 0;
  const per = (x: number) => (x / done).toFixed(3).padStart(7);
  return `| ${label.padEnd(46)} | ${per(t.verify)} | ${per(t.capRead)} | ${per(t.write)} | ${
    per(t.sync)
  } | ${per(t.catchUp)} | ${per(t.sign)} | ${per(wall)} | ${
    sqldPid ? sqldMs.toFixed(2).padStart(6) : "     -"
  } | ${(1000 * done / wall).toFixed(0).padStart(6)} |`;
}

async function main() {
  new Deno.Command("taskset", { args: ["-a", "-p", "-c", "0", String(Deno.pid)] }).outputSync();
  const dir = await Deno.makeTempDir({ prefix: "dmp-upd-stages-" });
  const rows: string[] = [];
  const say = (line: string) => {
    rows.push(line);
    console.log(line);
  };
  const date = new Date().toISOString();
  say(`update_rate_vs_bind stages — ${date}`);
  say(
    `${N} one-TXT-add UPDATEs per line, one at a time, this process and sqld on core 0; ms per ` +
      "update (total includes building and signing the request, ~0.1-0.2 ms, on the client side)",
  );
  say(
    "| store / variant                                |  verify | capRead |   write |    sync | catchUp |    sign |   total | sqld CPU ms | upd/s |",
  );
  console.log(
    "|" + "-".repeat(48) +
      "|---------|---------|---------|---------|---------|---------|---------|-------------|-------|",
  );
  const show = say;
  // file:
  for (const syncMode of ["FULL (default)", "NORMAL"]) {
    for (const group of [1, 10, 100]) {
      const url = `file:${dir}/file-${syncMode.slice(0, 4)}-${group}.db`;
      const c = createClient({ url });
      await prepareFileDatabase(c);
      if (syncMode === "NORMAL") await c.execute("PRAGMA synchronous = NORMAL");
      await seedBenchStore(c, secret);
      show(
        await stages(
          `file, synchronous=${syncMode}, ${group}/commit`,
          c,
          undefined,
          c,
          undefined,
          group,
        ),
      );
      c.close();
    }
  }
  // embedded replica of sqld
  const sqld = await startPinnedSqld(dir);
  try {
    const remote = createClient({ url: sqld.url, authToken: sqld.token });
    await seedBenchStore(remote, secret);
    for (const group of [1, 10, 100]) {
      const rep = createClient({
        url: `file:${dir}/replica-${group}.db`,
        syncUrl: sqld.url,
        authToken: sqld.token,
      });
      await rep.sync();
      show(
        await stages(
          `replica, write via replica, ${group}/commit`,
          rep,
          async () => void await rep.sync(),
          rep,
          sqld.server.pid,
          group,
        ),
      );
      show(
        await stages(
          `replica, write via remote http, ${group}/commit`,
          rep,
          async () => void await rep.sync(),
          remote,
          sqld.server.pid,
          group,
        ),
      );
      rep.close();
    }
    remote.close();
  } finally {
    await stopProcess(sqld.server.child);
  }
  Deno.removeSync(dir, { recursive: true });
  const file = `${ROOT}bench/results/${date.slice(0, 10)}-update_rate_vs_bind-stages.txt`;
  Deno.writeTextFileSync(file, rows.join("\n") + "\n");
  console.log(`results: ${file.replace(ROOT, "")}`);
}

await main();
