/**
 * Zone transfers to real secondaries (issue 16): Knot, NSD and BIND run as
 * TSIG (hmac-sha256) secondaries of a node. Each transfers the zone by AXFR
 * (several TSIG-signed messages), answers every name as the node does, and
 * after a burst of 100 UPDATEs at the node receives NOTIFY, transfers the
 * differences by IXFR and serves the new serial within 5 s. A secondary with a key the node does not know is
 * refused and serves nothing.
 */
import assert from "node:assert/strict";
import { applyRecordChanges, type RecordChange } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { putTransferPolicy } from "../../packages/core/store/transfer_policy.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { buildQuery, udpExchange } from "../_support/raw_dns.ts";
import { type Secondary, type SecondaryKind, startSecondary } from "../_support/secondaries.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "xfr.test";
const SEALING_KEY = "cd".repeat(32);
const XFR_KEY = "xfr-key";
const OP_KEY = "op.xfr.test";
const BULK = 1500;
const now = () => Date.now() / 1000;

const secrets: Record<string, Uint8Array> = {
  [XFR_KEY]: crypto.getRandomValues(new Uint8Array(32)),
  [OP_KEY]: crypto.getRandomValues(new Uint8Array(32)),
};
const KINDS: SecondaryKind[] = ["knot", "nsd", "bind"];
const ports: Record<string, number> = {};
const secondaries: Partial<Record<SecondaryKind, Secondary>> = {};
let node: NodeProcess;
let db: Awaited<ReturnType<typeof freshDatabase>>;

/** Names and types compared between the node and each secondary. */
const PROBES: [string, number][] = [
  [ZONE, TYPE.SOA],
  [ZONE, TYPE.NS],
  [ZONE, TYPE.A],
  [`www.${ZONE}`, TYPE.A],
  [`www.${ZONE}`, TYPE.AAAA],
  [`mail.${ZONE}`, TYPE.MX],
  [`alias.${ZONE}`, TYPE.CNAME],
  [`_sip._udp.${ZONE}`, TYPE.SRV],
  [ZONE, TYPE.CAA],
  [`txt.${ZONE}`, TYPE.TXT],
  [`bulk-7.${ZONE}`, TYPE.TXT],
  [`bulk-${BULK - 1}.${ZONE}`, TYPE.TXT],
  [`missing.${ZONE}`, TYPE.A],
  [`www.${ZONE}`, TYPE.TXT],
];

/** rcode and the sorted answer RDATA of a UDP query (TTLs left out: they count down). */
async function answerOf(port: number, name: string, type: number): Promise<string> {
  const reply = await udpExchange(port, buildQuery(name, type), 2000);
  if (!reply) return "timeout";
  const d = decodeMessage(reply);
  if (!d.ok) return "undecodable";
  const rrs = d.message.answers.map((rr) => `${rr.name} ${rr.type} ${bytesToHex(rr.rdata)}`).sort();
  return `${d.message.rcode} ${rrs.join(" | ")}`;
}

async function serialAt(port: number): Promise<number | undefined> {
  const reply = await udpExchange(port, buildQuery(ZONE, TYPE.SOA), 1000);
  if (!reply) return undefined;
  const d = decodeMessage(reply);
  if (!d.ok || d.message.rcode !== 0) return undefined;
  const soa = d.message.answers.find((rr) => rr.type === TYPE.SOA);
  if (!soa) return undefined;
  // SOA RDATA ends with serial, refresh, retry, expire, minimum (5 × u32).
  const v = new DataView(soa.rdata.buffer, soa.rdata.byteOffset, soa.rdata.byteLength);
  return v.getUint32(soa.rdata.length - 20);
}

/** One TSIG-signed UPDATE adding a TXT value (or deleting the TXT RRset), over UDP; the rcode. */
async function signedUpdate(name: string, value: string | null): Promise<number> {
  const wire = encodeMessage({
    id: (Math.random() * 0xffff) >>> 0,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authorities: [
      value === null
        ? { name, type: TYPE.TXT, class: CLASS.ANY, ttl: 0, rdata: new Uint8Array(0) }
        : { name, type: TYPE.TXT, class: CLASS.IN, ttl: 300, rdata: encodeTxtRdata(value) },
    ],
    additionals: [],
  });
  const key = tsigKey(OP_KEY, "hmac-sha256", encodeBase64(secrets[OP_KEY]));
  const { wire: signed } = await signRequest(wire, { key, now: Math.floor(now()) });
  const reply = await udpExchange(node.dnsPort, signed, 3000);
  if (!reply) return -1;
  return reply[3] & 0xf;
}

Deno.test({
  name: "setup: a node with a zone of every writable type, a transfer key and NOTIFY targets",
  ...opts,
  async fn() {
    db = await freshDatabase();
    await upsertZone(db.client, {
      name: ZONE,
      apexNs: [`ns1.${ZONE}`],
      apexA: ["192.0.2.53"],
    }, now());
    const changes: RecordChange[] = [
      { op: "add", zone: ZONE, name: `www.${ZONE}`, type: "A", value: "192.0.2.80", ttl: 300 },
      { op: "add", zone: ZONE, name: `www.${ZONE}`, type: "AAAA", value: "2001:db8::80", ttl: 300 },
      { op: "add", zone: ZONE, name: `mail.${ZONE}`, type: "MX", value: `10 mx.${ZONE}`, ttl: 300 },
      {
        op: "add",
        zone: ZONE,
        name: `alias.${ZONE}`,
        type: "CNAME",
        value: `www.${ZONE}`,
        ttl: 300,
      },
      {
        op: "add",
        zone: ZONE,
        name: `_sip._udp.${ZONE}`,
        type: "SRV",
        value: `0 5 5060 sip.${ZONE}`,
        ttl: 300,
      },
      {
        op: "add",
        zone: ZONE,
        name: ZONE,
        type: "CAA",
        value: '0 issue "letsencrypt.org"',
        ttl: 300,
      },
      { op: "add", zone: ZONE, name: `txt.${ZONE}`, type: "TXT", value: "x".repeat(400), ttl: 300 },
    ];
    for (let i = 0; i < BULK; i++) {
      changes.push({
        op: "add",
        zone: ZONE,
        name: `bulk-${i}.${ZONE}`,
        type: "TXT",
        value: `v=dmp1;t=bulk;n=${i}`,
        ttl: 300,
      });
    }
    await applyRecordChanges(db.client, changes, { now: now() });
    const box = await createSecretBox(SEALING_KEY);
    for (const [name, scope] of [[XFR_KEY, []], [OP_KEY, [ZONE]]] as const) {
      await putTsigKey(db.client, box, {
        name,
        algorithm: "hmac-sha256",
        secret: secrets[name],
        allowedSuffixes: [...scope],
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, now());
    }
    for (const k of KINDS) ports[k] = await freePort();
    await putTransferPolicy(db.client, {
      zone: ZONE,
      allowKeys: [XFR_KEY],
      allowNets: ["127.0.0.0/8"],
      notify: KINDS.map((k) => ({ address: "127.0.0.1", port: ports[k], key: XFR_KEY })),
    }, now());
    node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY },
    });
  },
});

for (const kind of KINDS) {
  Deno.test({
    name: `${kind}: transfers the zone by AXFR and answers every probe exactly as the node`,
    ...opts,
    async fn() {
      const s = await startSecondary(kind, {
        zone: ZONE,
        primaryPort: node.dnsPort,
        key: { name: XFR_KEY, secret: encodeBase64(secrets[XFR_KEY]) },
        port: ports[kind],
      });
      secondaries[kind] = s;
      const target = await serialAt(node.dnsPort);
      assert.ok(target !== undefined);
      const loaded = await waitFor(async () => (await serialAt(s.port)) === target, 20000);
      assert.ok(loaded, `${kind} never served serial ${target}:\n${await s.logs()}`);
      for (const [name, type] of PROBES) {
        assert.equal(
          await answerOf(s.port, name, type),
          await answerOf(node.dnsPort, name, type),
          `${kind} differs at ${name} type ${type}`,
        );
      }
      // The zone spans several messages, each TSIG-signed (the secondary verified them all).
      assert.match(
        node.logs(),
        new RegExp(`AXFR of ${ZONE} sent serial=${target} messages=([2-9]|\\d\\d)`),
      );
    },
  });
}

Deno.test({
  name: "after 100 UPDATEs every secondary gets NOTIFY and serves the new serial within 5 s",
  ...opts,
  async fn() {
    // 90 additions and 10 deletions, so the differences carry both.
    for (let i = 0; i < 100; i++) {
      const rcode = i % 10 === 0
        ? await signedUpdate(`bulk-${i}.${ZONE}`, null)
        : await signedUpdate(`burst-${i}.${ZONE}`, `n=${i}`);
      assert.equal(rcode, RCODE.NOERROR);
    }
    const target = await serialAt(node.dnsPort);
    assert.ok(target !== undefined);
    const started = Date.now();
    for (const kind of KINDS) {
      const s = secondaries[kind]!;
      const ok = await waitFor(
        async () => (await serialAt(s.port)) === target,
        Math.max(1, 5000 - (Date.now() - started)),
      );
      assert.ok(ok, `${kind} did not serve serial ${target} within 5 s:\n${await s.logs()}`);
      for (const name of [`burst-99.${ZONE}`, `bulk-90.${ZONE}`, `bulk-91.${ZONE}`]) {
        assert.equal(
          await answerOf(s.port, name, TYPE.TXT),
          await answerOf(node.dnsPort, name, TYPE.TXT),
          `${kind} differs at ${name}`,
        );
      }
      assert.match(await answerOf(s.port, `bulk-90.${ZONE}`, TYPE.TXT), /^3 /);
    }
    assert.match(node.logs(), /NOTIFY for xfr\.test answered noerror/);
    // Each secondary transferred incrementally (RFC 1995), as its own log tells.
    const logs = Object.fromEntries(
      await Promise.all(KINDS.map(async (k) => [k, await secondaries[k]!.logs()] as const)),
    );
    assert.match(
      logs.knot,
      new RegExp(`IXFR, incoming, remote 127\\.0\\.0\\.1@${node.dnsPort}, finished`),
      logs.knot,
    );
    // BIND and NSD do not name the transfer type at this log level; their sizes show it: the
    // zone is over ${BULK} records and 60 kB, each update after the first is a fraction of it.
    const bindCounts = [...logs.bind.matchAll(/Transfer completed: \d+ messages, (\d+) records/g)]
      .map((m) => Number(m[1]));
    assert.ok(bindCounts[0] > BULK && bindCounts.slice(1).some((n) => n < BULK / 10), logs.bind);
    const nsdBytes = [...logs.nsd.matchAll(/received update to serial \d+ .* of (\d+) bytes/g)]
      .map((m) => Number(m[1]));
    assert.ok(nsdBytes[0] > 60000 && nsdBytes.slice(1).some((n) => n < 6000), logs.nsd);
    assert.ok(
      [...node.logs().matchAll(/IXFR of xfr\.test from serial \d+ sent/g)].length >= KINDS.length,
      node.logs(),
    );
  },
});

Deno.test({
  name: "a secondary whose key the node does not know is refused and serves nothing",
  ...opts,
  async fn() {
    const s = await startSecondary("knot", {
      zone: ZONE,
      primaryPort: node.dnsPort,
      key: { name: "stranger", secret: encodeBase64(crypto.getRandomValues(new Uint8Array(32))) },
    });
    try {
      const refused = await waitFor(
        async () =>
          /refresh, remote primary, address 127\.0\.0\.1@\d+, failed \(failed to verify TSIG\)/
            .test(
              await s.logs(),
            ),
        10000,
      );
      assert.ok(refused, await s.logs());
      assert.equal(await serialAt(s.port), undefined);
      assert.match(node.logs(), /transfer TSIG badkey/);
    } finally {
      await s.stop();
    }
  },
});

Deno.test({
  name: "teardown",
  ...opts,
  async fn() {
    for (const s of Object.values(secondaries)) await s?.stop();
    await node.stop();
    db.client.close();
  },
});
