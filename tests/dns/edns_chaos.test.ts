/**
 * RFC points of the query path against a running node, with real dig and raw
 * packets: OPT outside the additional section or twice is FORMERR and the
 * FORMERR carries an OPT (RFC 6891 §6.1.1, §7); CHAOS version.bind/id.server
 * answered or REFUSED per DMP_DNS_CHAOS_*; NSID (RFC 5001) per DMP_DNS_NSID.
 */
import assert from "node:assert/strict";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";
import { udpExchange } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
let node: NodeProcess;

const opt = (payload = 1232) => ({
  name: "",
  type: TYPE.OPT,
  class: payload,
  ttl: 0,
  rdata: new Uint8Array(0),
});

function query(
  sections: { answers?: ReturnType<typeof opt>[]; additionals?: ReturnType<typeof opt>[] },
) {
  return encodeMessage({
    id: 0x4242,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name: "chaos.test", type: TYPE.SOA, class: CLASS.IN }],
    answers: sections.answers ?? [],
    authorities: [],
    additionals: sections.additionals ?? [],
  });
}

async function exchange(packet: Uint8Array) {
  const reply = await udpExchange(node.dnsPort, packet, 3000);
  assert.ok(reply, "an answer");
  const m = decodeMessage(reply);
  assert.ok(m.ok, m.ok ? "" : m.error);
  return m.message;
}

Deno.test.beforeAll(async () => {
  const db = await freshDatabase();
  await upsertZone(
    db.client,
    { name: "chaos.test", apexNs: ["ns1.chaos.test"] },
    Date.now() / 1000,
  );
  db.client.close();
  node = await startNodeProcess({
    dir: db.dir,
    dbUrl: db.url,
    env: { DMP_DNS_CHAOS_VERSION: "dmp-edge test", DMP_DNS_NSID: "node-a" },
  });
});

Deno.test({
  name:
    "RFC 6891 §6.1.1: an OPT in the answer section → FORMERR, and the FORMERR carries an OPT (§7)",
  ...opts,
  fn: async () => {
    const m = await exchange(query({ answers: [opt()] }));
    assert.equal(m.rcode, RCODE.FORMERR);
    assert.equal(m.additionals.filter((r) => r.type === TYPE.OPT).length, 1);
    const two = await exchange(query({ additionals: [opt(), opt(4096)] }));
    assert.equal(two.rcode, RCODE.FORMERR, "two OPT RRs");
    assert.equal(two.additionals.filter((r) => r.type === TYPE.OPT).length, 1);
    const good = await exchange(query({ additionals: [opt()] }));
    assert.equal(good.rcode, RCODE.NOERROR, "control: one OPT in additional is fine");
    const plain = await exchange(query({ answers: [opt()], additionals: [] }));
    assert.equal(plain.rcode, RCODE.FORMERR);
  },
});

Deno.test({
  name: "CHAOS: version.bind answers the configured string; id.server unconfigured is REFUSED",
  ...opts,
  fn: async () => {
    const v = await dig(node.dnsPort, "version.bind", "TXT", ["-c", "CH"]);
    assert.equal(v.status, "NOERROR");
    assert.match(v.raw, /version\.bind\.\s+0\s+CH\s+TXT\s+"dmp-edge test"/);
    const id = await dig(node.dnsPort, "id.server", "TXT", ["-c", "CH"]);
    assert.equal(id.status, "REFUSED");
    const other = await dig(node.dnsPort, "authors.bind", "TXT", ["-c", "CH"]);
    assert.equal(other.status, "REFUSED");
  },
});

Deno.test({
  name: "NSID (RFC 5001): sent when asked, absent when not",
  ...opts,
  fn: async () => {
    const asked = await dig(node.dnsPort, "chaos.test", "SOA", ["+nsid"]);
    assert.equal(asked.status, "NOERROR");
    assert.match(asked.raw, /NSID: .*\("node-a"\)/);
    const not = await dig(node.dnsPort, "chaos.test", "SOA");
    assert.doesNotMatch(not.raw, /NSID/);
  },
});

Deno.test.afterAll(async () => {
  await node?.stop();
});
