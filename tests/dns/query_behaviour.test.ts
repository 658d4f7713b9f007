/**
 * Query behaviour of a running udp-node, asserted with real dig/kdig over UDP
 * and TCP on 127.0.0.1 (brief §1.3, §7 and the fixes of §8.1). Every case
 * runs against a node on Node and a node on Deno (its own transports,
 * issue 15), both serving the same database.
 */
import assert from "node:assert/strict";
import { parseMasterFile } from "../../packages/core/zone/master_file.ts";
import { applyRecordChanges, countLiveRecords } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import { dig, txtJoin, txtStringLengths } from "../_support/dig.ts";
import {
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { buildQuery, tcpExchange, udpExchange } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const vectors = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/vectors/bootstrap_record.json", import.meta.url)),
);
const BOOTSTRAP_479: string = new TextDecoder().decode(
  Uint8Array.from(
    (vectors.find((c: { expected_wire_hex: string }) => c.expected_wire_hex.length === 958)
      .expected_wire_hex as string).match(/../g)!.map((h) => parseInt(h, 16)),
  ),
);

const ZONE = `$ORIGIN mesh.test.
$TTL 3600
@        IN SOA ns1.mesh.test. hostmaster.mesh.test. ( 1 3600 600 604800 60 )
@        IN NS  ns1.mesh.test.
@        IN A   192.0.2.53
@        IN AAAA 2001:db8::53
ns1      IN A   192.0.2.53
www      IN CNAME mesh.test.
`;

const RUNTIMES = ["node", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];
const nodes = new Map<Runtime, NodeProcess>();
/** The node of the case running now (cases run one at a time). */
let node: NodeProcess;
/** Its runtime, for names a case writes (each runtime's case writes its own). */
let runtime: Runtime;

/** Registers the case once per runtime, named `… [node]` and `… [deno]`. */
function bothRuntimes(def: { name: string; fn: () => Promise<void> }): void {
  for (const r of RUNTIMES) {
    Deno.test({
      ...opts,
      name: `${def.name} [${r}]`,
      async fn() {
        runtime = r;
        node = nodes.get(r)!;
        await def.fn();
      },
    });
  }
}
let db: Awaited<ReturnType<typeof freshDatabase>>;
const now = () => Date.now() / 1000;

async function addTxt(name: string, value: string, lifetime = 3600): Promise<void> {
  await applyRecordChanges(db.client, [{
    op: "add",
    zone: "mesh.test",
    name,
    type: "TXT",
    value,
    ttl: 300,
    lifetime,
  }], {
    now: now(),
  });
}

Deno.test.beforeAll(async () => {
  db = await freshDatabase();
  const parsed = parseMasterFile(ZONE, { origin: "mesh.test" });
  assert.ok(parsed.ok);
  await upsertZone(db.client, {
    name: "mesh.test",
    soaMname: "ns1.mesh.test",
    soaRname: "hostmaster.mesh.test",
    soaMinimum: 60,
  }, now());
  await applyRecordChanges(
    db.client,
    parsed.records.filter((r) => r.type !== "SOA").map((r) => ({
      op: "add" as const,
      zone: "mesh.test",
      name: r.name,
      type: r.type,
      value: r.value,
      ttl: r.ttl,
    })),
    { now: now() },
  );
  await addTxt("slot-1.mb-abcdef012345.mesh.test", "v=dmp1;t=manifest;d=x");
  await addTxt("_dnsmesh-heartbeat.mesh.test", "hb-one");
  await addTxt("_dnsmesh-heartbeat.mesh.test", "hb-two");
  await addTxt("_dmp.mesh.test", BOOTSTRAP_479);
  await addTxt("long.mesh.test", "A".repeat(500));
  await addTxt("empty.mesh.test", "");
  for (let i = 0; i < 10; i++) await addTxt("ten.mesh.test", `value-${i}-` + "x".repeat(90));
  for (const r of RUNTIMES) {
    nodes.set(r, await startNodeProcess({ dbUrl: db.url, dir: db.dir, runtime: r }));
  }
});

bothRuntimes({
  name: "TXT answer is authoritative and echoes the question's case (0x20)",
  async fn() {
    const r = await dig(node.dnsPort, "SLOT-1.Mb-AbCdEf012345.MESH.test", "TXT");
    assert.equal(r.status, "NOERROR");
    assert.ok(r.flags.includes("aa"), r.raw);
    assert.equal(r.answer.length, 1);
    assert.equal(r.answer[0].name, "SLOT-1.Mb-AbCdEf012345.MESH.test.");
    assert.equal(txtJoin(r.answer[0].data), "v=dmp1;t=manifest;d=x");
  },
});

bothRuntimes({
  name: "one RR per stored value, in publish order",
  async fn() {
    const r = await dig(node.dnsPort, "_dnsmesh-heartbeat.mesh.test", "TXT");
    assert.deepEqual(r.answer.map((a) => txtJoin(a.data)), ["hb-one", "hb-two"]);
  },
});

bothRuntimes({
  name: "a 500-byte value is split 255+245 inside one RR (RFC 1035 §3.3.14)",
  async fn() {
    const r = await dig(node.dnsPort, "long.mesh.test", "TXT", ["+bufsize=4096"]);
    assert.equal(r.answer.length, 1);
    assert.deepEqual(txtStringLengths(r.answer[0].data), [255, 245]);
    const e = await dig(node.dnsPort, "empty.mesh.test", "TXT");
    assert.equal(e.answer.length, 1);
    assert.deepEqual(txtStringLengths(e.answer[0].data), [0]);
  },
});

bothRuntimes({
  name: "479-byte bootstrap: TC=1 without EDNS, intact with EDNS 4096 and over TCP",
  async fn() {
    const plain = await dig(node.dnsPort, "_dmp.mesh.test", "TXT", ["+noedns"]);
    assert.ok(plain.flags.includes("tc"), plain.raw);
    assert.equal(plain.answer.length, 0);
    for (const extra of [["+bufsize=4096"], ["+tcp"]]) {
      const r = await dig(node.dnsPort, "_dmp.mesh.test", "TXT", extra);
      assert.ok(!r.flags.includes("tc"));
      assert.equal(r.answer.length, 1);
      const lens = txtStringLengths(r.answer[0].data);
      assert.ok(lens.every((l) => l <= 255) && lens.length === 2, String(lens));
      assert.equal(txtJoin(r.answer[0].data), BOOTSTRAP_479);
    }
    const k = await dig(node.dnsPort, "_dmp.mesh.test", "TXT", ["+tcp"], "kdig");
    assert.ok(k.answer.length === 1, k.raw);
    assert.equal(txtJoin(k.answer[0].data), BOOTSTRAP_479);
  },
});

bothRuntimes({
  name: "ten values: TC=1 at 512 bytes, all ten with EDNS 4096",
  async fn() {
    assert.ok((await dig(node.dnsPort, "ten.mesh.test", "TXT", ["+noedns"])).flags.includes("tc"));
    assert.equal(
      (await dig(node.dnsPort, "ten.mesh.test", "TXT", ["+bufsize=4096"])).answer.length,
      10,
    );
  },
});

bothRuntimes({
  name: "NXDOMAIN carries the zone SOA in the authority section (RFC 2308 §3)",
  async fn() {
    const r = await dig(node.dnsPort, "nope.mesh.test", "TXT");
    assert.equal(r.status, "NXDOMAIN");
    assert.ok(r.flags.includes("aa"));
    assert.equal(r.authority.length, 1);
    assert.equal(r.authority[0].type, "SOA");
    assert.equal(r.authority[0].name, "mesh.test.");
  },
});

bothRuntimes({
  name: "NODATA (not NXDOMAIN) for other types and empty non-terminals (RFC 8020)",
  async fn() {
    for (
      const [name, type] of [["slot-1.mb-abcdef012345.mesh.test", "A"], [
        "mb-abcdef012345.mesh.test",
        "TXT",
      ], [
        "mesh.test",
        "TXT",
      ]]
    ) {
      const r = await dig(node.dnsPort, name, type);
      assert.equal(r.status, "NOERROR", `${name} ${type}`);
      assert.equal(r.answer.length, 0);
      assert.equal(r.authority[0]?.type, "SOA", `${name} ${type}: ${r.raw}`);
    }
  },
});

bothRuntimes({
  name: "names outside every zone are REFUSED (brief §8.1 item 2)",
  async fn() {
    const r = await dig(node.dnsPort, "example.org", "TXT");
    assert.equal(r.status, "REFUSED");
    assert.ok(!r.flags.includes("aa"));
  },
});

bothRuntimes({
  name: "apex A, AAAA, NS and SOA, over UDP and TCP",
  async fn() {
    for (const extra of [[], ["+tcp"]]) {
      assert.equal((await dig(node.dnsPort, "MESH.test", "A", extra)).answer[0].data, "192.0.2.53");
      assert.equal(
        (await dig(node.dnsPort, "mesh.test", "AAAA", extra)).answer[0].data,
        "2001:db8::53",
      );
      assert.equal(
        (await dig(node.dnsPort, "mesh.test", "NS", extra)).answer[0].data,
        "ns1.mesh.test.",
      );
      const soa = await dig(node.dnsPort, "mesh.test", "SOA", extra);
      const f = soa.answer[0].data.split(" ");
      assert.equal(f[0], "ns1.mesh.test.");
      assert.equal(f[1], "hostmaster.mesh.test.");
      assert.ok(Number(f[2]) > 1.7e9);
      assert.deepEqual(f.slice(3), ["3600", "600", "604800", "60"]);
    }
    const cname = await dig(node.dnsPort, "www.mesh.test", "A");
    assert.equal(cname.answer[0].type, "CNAME");
  },
});

bothRuntimes({
  name: "a change by another process is answered without restart, and the SOA serial moves",
  async fn() {
    const before = Number(
      (await dig(node.dnsPort, "mesh.test", "SOA")).answer[0].data.split(" ")[2],
    );
    await addTxt(`fresh-${runtime}.mesh.test`, "new-value");
    assert.ok(
      await waitFor(
        async () =>
          (await dig(node.dnsPort, `fresh-${runtime}.mesh.test`, "TXT")).answer.length === 1,
        5000,
      ),
    );
    const after = Number(
      (await dig(node.dnsPort, "mesh.test", "SOA")).answer[0].data.split(" ")[2],
    );
    assert.ok(after > before, `${after} > ${before}`);
  },
});

bothRuntimes({
  name: "expired values vanish at once and TTL never exceeds the remaining lifetime",
  async fn() {
    await addTxt(`short-${runtime}.mesh.test`, "brief", 3);
    assert.ok(
      await waitFor(async () =>
        (await dig(node.dnsPort, `short-${runtime}.mesh.test`, "TXT")).answer.length === 1
      ),
    );
    const r = await dig(node.dnsPort, `short-${runtime}.mesh.test`, "TXT");
    assert.ok(r.answer[0].ttl <= 3, `ttl ${r.answer[0].ttl}`);
    assert.ok(
      await waitFor(
        async () =>
          (await dig(node.dnsPort, `short-${runtime}.mesh.test`, "TXT")).status === "NXDOMAIN",
        6000,
      ),
    );
  },
});

bothRuntimes({
  name: "DMP answers carry min(DMP_DNS_TTL, lifetime); zone data keeps its own TTL",
  async fn() {
    assert.equal((await dig(node.dnsPort, "long.mesh.test", "TXT")).answer[0].ttl, 60);
    assert.equal((await dig(node.dnsPort, "ns1.mesh.test", "A")).answer[0].ttl, 3600);
  },
});

bothRuntimes({
  name: "EDNS: OPT echoed; version 1 gets BADVERS (RFC 6891 §6.1.3)",
  async fn() {
    const ok = await dig(node.dnsPort, "mesh.test", "SOA", ["+bufsize=4096"]);
    assert.equal(ok.ednsUdp, 1232);
    const bad = await dig(node.dnsPort, "mesh.test", "SOA", ["+edns=1", "+noednsnegotiation"]);
    assert.equal(bad.status, "BADVERS", bad.raw);
    assert.equal(bad.answer.length, 0);
  },
});

bothRuntimes({
  name: "NOTIFY for a zone we serve gets NOERROR (RFC 1996), other opcodes NOTIMP",
  async fn() {
    const r = await dig(node.dnsPort, "mesh.test", "SOA", ["+opcode=notify"]);
    assert.equal(r.status, "NOERROR", r.raw);
    const status = await dig(node.dnsPort, "mesh.test", "SOA", ["+opcode=status"]);
    assert.equal(status.status, "NOTIMP");
  },
});

bothRuntimes({
  name: "QDCOUNT 2 and a bad label get FORMERR",
  async fn() {
    const q = buildQuery("mesh.test", TYPE.TXT);
    const two = new Uint8Array(q.length * 2 - 12);
    two.set(q);
    two.set(q.subarray(12), q.length);
    two[5] = 2;
    const r = await udpExchange(node.dnsPort, two);
    assert.ok(r);
    assert.equal(r[3] & 0xf, RCODE.FORMERR);
    const bad = q.slice();
    bad[12] = 0x50; // label length 80 > 63
    const r2 = await udpExchange(node.dnsPort, bad);
    assert.ok(r2);
    assert.equal(r2[3] & 0xf, RCODE.FORMERR);
  },
});

bothRuntimes({
  name: "several messages on one TCP connection are answered in order (RFC 7766 §6.2.1)",
  async fn() {
    const replies = await tcpExchange(node.dnsPort, [
      buildQuery("mesh.test", TYPE.SOA, 1),
      buildQuery("nope.mesh.test", TYPE.TXT, 2),
      buildQuery("long.mesh.test", TYPE.TXT, 3),
    ], 3);
    assert.equal(replies.length, 3);
    const decoded = replies.map((r) => decodeMessage(r));
    assert.deepEqual(decoded.map((d) => d.ok && d.message.id), [1, 2, 3]);
    assert.deepEqual(decoded.map((d) => d.ok && d.message.rcode), [0, 3, 0]);
  },
});

bothRuntimes({
  name: "/health is open; /metrics counts outcomes",
  async fn() {
    const h = await fetch(`http://127.0.0.1:${node.httpPort}/health`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: "ok" });
    const m = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
    assert.match(m, /dmp_dns_queries_total\{outcome="nxdomain"\} [1-9]/);
    assert.match(m, /dmp_dns_queries_total\{outcome="refused"\} [1-9]/);
    // dmp_records is the live record count (brief §1.9), the same as the store's.
    const gauge = Number(/^dmp_records ([\d.]+)$/m.exec(m)?.[1]);
    assert.equal(gauge, await countLiveRecords(db.client, now()));
  },
});

bothRuntimes({
  name: "SIGTERM stops the node cleanly: exit 0 and its closing log line",
  async fn() {
    const code = await node.stop("SIGTERM");
    assert.equal(code, 0, node.logs());
    assert.match(node.logs(), /DMP node stopped/);
  },
});

Deno.test.afterAll(async () => {
  // Already stopped unless a test above failed first.
  for (const n of nodes.values()) await n.stop("SIGKILL");
  db?.client.close();
});
