/**
 * Issue 12 finding 10: a signed UPDATE captured on the wire at node 1 used to
 * re-apply at node 2 (the replay cache was per process), bringing a deleted
 * record back on both. Two nodes replicate one sqld; real nsupdate traffic is
 * captured through a relay and replayed at the other node and at a restarted
 * node: refused, and the record stays deleted. The same node still answers a
 * retransmission with its original answer.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { RCODE } from "../../packages/core/wire/constants.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { udpExchange } from "../_support/raw_dns.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { startUdpCapture } from "../_support/udp_capture.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "replay.test";
const NAME = `id-r.${ZONE}`;
const SEALING_KEY = "9a".repeat(32);
const now = () => Date.now() / 1000;

let sqld: SqldProcess;
let remote: ReturnType<typeof createClient>;
const nodes: NodeProcess[] = [];
const dirs: string[] = [];
let key = "";

function nodeEnv(i: number): { dbUrl: string; dir: string; env: Record<string, string> } {
  return replicaNodeOptions(sqld, dirs[i], {
    DMP_DB_SYNC_INTERVAL: "0.3",
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: SEALING_KEY,
  });
}

async function stored(): Promise<string[]> {
  return (await readRecordsByName(remote, [NAME], now())).map((r) => r.value);
}

async function served(node: NodeProcess): Promise<string[]> {
  return (await dig(node.dnsPort, NAME, "TXT")).answer.map((a) => txtJoin(a.data));
}

/** Runs nsupdate through a capturing relay to node 1; returns its exit code and the request. */
async function captured(
  lines: string[],
): Promise<{ code: number; error: string; request: Uint8Array }> {
  const relay = await startUdpCapture(nodes[0].dnsPort);
  try {
    const r = await nsupdate(relay.port, ZONE, lines, { key });
    assert.equal(relay.exchanges.length, 1, "one UDP exchange, no retransmission");
    return { code: r.code, error: r.error, request: relay.exchanges[0].request };
  } finally {
    await relay.close();
  }
}

Deno.test.beforeAll(async () => {
  sqld = await startSqld({ jwt: true });
  remote = createClient({ url: sqld.url, authToken: sqld.token! });
  await migrate(remote);
  await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  const secret = crypto.getRandomValues(new Uint8Array(32));
  await putTsigKey(remote, await createSecretBox(SEALING_KEY), {
    name: `rita.${ZONE}`,
    algorithm: "hmac-sha256",
    secret,
    allowedSuffixes: [NAME],
    subject: "rita@replay.test",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
  key = `hmac-sha256:rita.${ZONE}:${encodeBase64(secret)}`;
  for (let i = 0; i < 2; i++) {
    dirs.push(await Deno.makeTempDir({ prefix: "dmp-replay-" }));
    nodes.push(await startNodeProcess(nodeEnv(i)));
  }
});

Deno.test({
  name: "an add captured at node 1, then deleted, is refused when replayed at node 2",
  ...opts,
  async fn() {
    const relay = await startUdpCapture(nodes[0].dnsPort);
    let request: Uint8Array;
    let original: Uint8Array | undefined;
    try {
      const r = await nsupdate(relay.port, ZONE, [`update add ${NAME} 300 TXT "captured"`], {
        key,
      });
      assert.equal(r.code, 0, r.output);
      assert.equal(relay.exchanges.length, 1);
      request = relay.exchanges[0].request;
      original = relay.exchanges[0].reply;
    } finally {
      await relay.close();
    }
    assert.deepEqual(await stored(), ["captured"]);
    const del = await nsupdate(nodes[0].dnsPort, ZONE, [`update delete ${NAME} TXT`], { key });
    assert.equal(del.code, 0, del.output);
    assert.ok(await waitFor(async () => (await served(nodes[1])).length === 0, 3000));

    const replay = await udpExchange(nodes[1].dnsPort, request);
    assert.ok(replay, "node 2 answers");
    assert.equal(replay[3] & 0xf, RCODE.REFUSED);
    assert.deepEqual(await stored(), [], "the deleted record did not come back");
    assert.match(nodes[1].logs(), /replayed TSIG message \(its MAC was already used\)/);
    const metrics = await (await fetch(`http://127.0.0.1:${nodes[1].httpPort}/metrics`)).text();
    assert.match(metrics, /dmp_dns_queries_total\{[^}]*outcome="replay_refused"[^}]*\} 1\b/);

    // At node 1 itself a retransmission still gets the original answer, and writes nothing.
    const again = await udpExchange(nodes[0].dnsPort, request);
    assert.deepEqual(again, original, "identical answer at the node that applied it");
    assert.deepEqual(await stored(), []);
    for (const n of nodes) assert.deepEqual(await served(n), []);
  },
});

Deno.test({
  name: "after a restart, the node that applied an UPDATE refuses its replay",
  ...opts,
  async fn() {
    const { code, request } = await captured([`update add ${NAME} 300 TXT "before-restart"`]);
    assert.equal(code, 0);
    const del = await nsupdate(nodes[1].dnsPort, ZONE, [`update delete ${NAME} TXT`], { key });
    assert.equal(del.code, 0, del.output);
    assert.equal(await nodes[0].stop(), 0);
    nodes[0] = await startNodeProcess(nodeEnv(0));
    const replay = await udpExchange(nodes[0].dnsPort, request);
    assert.ok(replay);
    assert.equal(replay[3] & 0xf, RCODE.REFUSED);
    assert.deepEqual(await stored(), []);
  },
});

Deno.test({
  name: "a request refused by its prerequisite cannot apply later at another node",
  ...opts,
  async fn() {
    const add = await nsupdate(nodes[0].dnsPort, ZONE, [`update add ${NAME} 300 TXT "exists"`], {
      key,
    });
    assert.equal(add.code, 0, add.output);
    const { error, request } = await captured([
      `prereq nxdomain ${NAME}`,
      `update add ${NAME} 300 TXT "late"`,
    ]);
    assert.equal(error, "YXDOMAIN", "the name exists");
    const del = await nsupdate(nodes[0].dnsPort, ZONE, [`update delete ${NAME} TXT`], { key });
    assert.equal(del.code, 0, del.output);
    // The name is gone now, so the prerequisite would hold: the MAC alone must stop it.
    const replay = await udpExchange(nodes[1].dnsPort, request);
    assert.ok(replay);
    assert.equal(replay[3] & 0xf, RCODE.REFUSED);
    assert.deepEqual(await stored(), []);
  },
});

Deno.test.afterAll(async () => {
  for (const n of nodes) assert.equal(await n.stop(), 0);
  remote?.close();
  await sqld?.stop();
});
