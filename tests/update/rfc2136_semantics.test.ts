/**
 * RFC 2136 exactly (issue 11 item 4): prerequisites evaluated in the write
 * transaction (§3.7), raced by real nsupdate processes and by signed
 * messages landing at two nodes at once; the §3.4.2.2–§3.4.2.4 ignore rules
 * (CNAME vs other data, apex SOA and NS deletes); the SOA replaced only by a
 * larger serial in RFC 1982 arithmetic.
 */
import assert from "node:assert/strict";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { dig, txtStringLengths } from "../_support/dig.ts";
import {
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate, nsupdateRace } from "../_support/nsupdate.ts";
import { udpExchange } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "rfc.test";
const SEALING_KEY = "5e".repeat(32);
const KEY_NAME = `operator.${ZONE}`;
const now = () => Date.now() / 1000;

let nodes: NodeProcess[] = [];
let db: Awaited<ReturnType<typeof freshDatabase>>;
let secret: Uint8Array;
let key = "";

async function rows(name: string, type: string): Promise<string[]> {
  return (await readRecordsByName(db.client, [name], now())).filter((r) => r.type === type).map((
    r,
  ) => r.value);
}

async function soaSerial(node: NodeProcess): Promise<number> {
  const d = await dig(node.dnsPort, ZONE, "SOA");
  return Number(d.answer[0].data.split(/\s+/)[2]);
}

/** A signed `prereq nxdomain NAME; update add NAME TXT VALUE`, as nsupdate would send it. */
async function racingUpdate(
  name: string,
  value: string,
  id: number,
  fudge?: number,
): Promise<Uint8Array> {
  const wire = encodeMessage({
    id,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
    answers: [{ name, type: TYPE.ANY, class: CLASS.NONE, ttl: 0, rdata: new Uint8Array(0) }],
    authorities: [{
      name,
      type: TYPE.TXT,
      class: CLASS.IN,
      ttl: 300,
      rdata: encodeTxtRdata(value),
    }],
    additionals: [],
  });
  return (await signRequest(wire, {
    key: tsigKey(KEY_NAME, "hmac-sha256", secret),
    now: Math.floor(now()),
    fudge,
  })).wire;
}

Deno.test.beforeAll(async () => {
  db = await freshDatabase();
  await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  secret = crypto.getRandomValues(new Uint8Array(32));
  await putTsigKey(db.client, await createSecretBox(SEALING_KEY), {
    name: KEY_NAME,
    algorithm: "hmac-sha256",
    secret,
    allowedSuffixes: [ZONE],
    subject: "",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
  key = `hmac-sha256:${KEY_NAME}:${encodeBase64(secret)}`;
  const env = { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY };
  nodes = [
    await startNodeProcess({ dbUrl: db.url, dir: db.dir, env }),
    await startNodeProcess({ dbUrl: db.url, env }),
  ];
});

Deno.test({
  name: "§3.7: `prereq nxdomain X; add X` sent to two nodes at once applies exactly once",
  ...opts,
  async fn() {
    for (let round = 0; round < 12; round++) {
      const name = `race-${round}.${ZONE}`;
      // Even rounds race two nodes; odd rounds land in one node's group commit together.
      const ports = round % 2 === 0
        ? [nodes[0].dnsPort, nodes[1].dnsPort]
        : [nodes[0].dnsPort, nodes[0].dnsPort];
      const messages = [
        await racingUpdate(name, "first", 2 * round + 1),
        await racingUpdate(name, "second", 2 * round + 2),
      ];
      const replies = await Promise.all(messages.map((m, i) => udpExchange(ports[i], m, 3000)));
      const rcodes = replies.map((r) => r === null ? -1 : r[3] & 0xf).sort();
      assert.deepEqual(rcodes, [RCODE.NOERROR, RCODE.YXDOMAIN], `round ${round}`);
      assert.equal((await rows(name, "TXT")).length, 1, `round ${round}: one value stored`);
    }
  },
});

Deno.test({
  name: "§3.7: racing nsupdate processes at two nodes: one NOERROR, the others YXDOMAIN",
  ...opts,
  async fn() {
    for (let round = 0; round < 4; round++) {
      const name = `nsupdate-race-${round}.${ZONE}`;
      const results = await nsupdateRace(
        Array.from({ length: 4 }, (_, i) => ({
          port: nodes[i % 2].dnsPort,
          zone: ZONE,
          lines: [`prereq nxdomain ${name}`, `update add ${name} 300 TXT "p${i}"`],
        })),
        key,
      );
      const summary = results.map((r) => r.error || `exit ${r.code}`).join(", ");
      assert.equal(results.filter((r) => r.code === 0).length, 1, `round ${round}: ${summary}`);
      assert.deepEqual(results.map((r) => r.error).filter((e) => e !== ""), [
        "YXDOMAIN",
        "YXDOMAIN",
        "YXDOMAIN",
      ], summary);
      assert.equal((await rows(name, "TXT")).length, 1);
    }
  },
});

Deno.test({
  name: "§3.4.2.2: a CNAME beside other data and other data at a CNAME are ignored (NOERROR)",
  ...opts,
  async fn() {
    const port = nodes[0].dnsPort;
    const www = `www.${ZONE}`;
    const alias = `alias.${ZONE}`;
    assert.equal(
      (await nsupdate(port, ZONE, [`update add ${www} 300 A 192.0.2.1`], { key })).code,
      0,
    );
    const cname = await nsupdate(port, ZONE, [`update add ${www} 300 CNAME target.${ZONE}.`], {
      key,
    });
    assert.equal(cname.code, 0, cname.output);
    assert.deepEqual(await rows(www, "CNAME"), [], "CNAME beside an A ignored");
    assert.deepEqual(await rows(www, "A"), ["192.0.2.1"]);

    assert.equal(
      (await nsupdate(port, ZONE, [`update add ${alias} 300 CNAME ${www}.`], { key })).code,
      0,
    );
    const a = await nsupdate(port, ZONE, [`update add ${alias} 300 A 192.0.2.2`], { key });
    assert.equal(a.code, 0, a.output);
    assert.deepEqual(await rows(alias, "A"), [], "A at a CNAME ignored");
    const txt = await nsupdate(port, ZONE, [`update add ${alias} 300 TXT "t"`], { key });
    assert.equal(txt.code, 0, txt.output);
    assert.deepEqual(await rows(alias, "TXT"), [], "TXT at a CNAME ignored");
    // A CNAME replaces the CNAME (one per name, RFC 1034 §3.6.2).
    assert.equal(
      (await nsupdate(port, ZONE, [`update add ${alias} 300 CNAME other.${ZONE}.`], { key })).code,
      0,
    );
    assert.deepEqual(await rows(alias, "CNAME"), [`other.${ZONE}`]);
    const apex = await nsupdate(port, ZONE, [`update add ${ZONE} 300 CNAME ${www}.`], { key });
    assert.equal(apex.code, 0, apex.output);
    assert.deepEqual(await rows(ZONE, "CNAME"), [], "CNAME at the apex (beside the SOA) ignored");
    const d = await dig(port, alias, "A");
    assert.equal(d.answer.filter((x) => x.type === "A").length, 0);
  },
});

Deno.test({
  name: "§3.4.2.3/§3.4.2.4: deleting the apex SOA, the apex NS RRset or its last NS is ignored",
  ...opts,
  async fn() {
    const port = nodes[0].dnsPort;
    const serial = await soaSerial(nodes[0]);
    const soa = await nsupdate(port, ZONE, [`update delete ${ZONE} SOA`], { key });
    assert.equal(soa.code, 0, soa.output);
    const ns = await nsupdate(port, ZONE, [`update delete ${ZONE} NS`], { key });
    assert.equal(ns.code, 0, ns.output);
    assert.deepEqual(await rows(ZONE, "NS"), [`ns1.${ZONE}`]);
    assert.equal((await dig(port, ZONE, "SOA")).answer.length, 1);

    assert.equal(
      (await nsupdate(port, ZONE, [`update add ${ZONE} 300 NS ns2.${ZONE}.`], { key })).code,
      0,
    );
    assert.equal(
      (await nsupdate(port, ZONE, [`update delete ${ZONE} NS ns1.${ZONE}.`], { key })).code,
      0,
    );
    assert.deepEqual(await rows(ZONE, "NS"), [`ns2.${ZONE}`]);
    const last = await nsupdate(port, ZONE, [`update delete ${ZONE} NS ns2.${ZONE}.`], { key });
    assert.equal(last.code, 0, last.output);
    assert.deepEqual(await rows(ZONE, "NS"), [`ns2.${ZONE}`], "the last apex NS stays");

    // A name-wide delete at the apex removes everything but SOA and NS.
    assert.equal(
      (await nsupdate(port, ZONE, [`update add ${ZONE} 300 TXT "apex"`], { key })).code,
      0,
    );
    assert.equal((await nsupdate(port, ZONE, [`update delete ${ZONE} ANY`], { key })).code, 0);
    assert.deepEqual(await rows(ZONE, "TXT"), []);
    assert.deepEqual(await rows(ZONE, "NS"), [`ns2.${ZONE}`]);
    const after = await dig(port, ZONE, "NS");
    assert.deepEqual(after.answer.map((x) => x.data), [`ns2.${ZONE}.`]);
    assert.ok((await soaSerial(nodes[0])) > serial, "the serial still moved for the real changes");
  },
});

Deno.test({
  name: "§3.4.2.2: the SOA is replaced only by a larger serial (RFC 1982 arithmetic)",
  ...opts,
  async fn() {
    const port = nodes[0].dnsPort;
    const base = await soaSerial(nodes[0]);
    const soa = (serial: number, mname: string) =>
      `update add ${ZONE} 300 SOA ${mname}.${ZONE}. admin.${ZONE}. ${serial} 7200 900 1209600 120`;
    const up = await nsupdate(port, ZONE, [soa(base + 100, "primary")], { key });
    assert.equal(up.code, 0, up.output);
    let d = await dig(port, ZONE, "SOA");
    assert.deepEqual(d.answer[0].data.split(/\s+/), [
      `primary.${ZONE}.`,
      `admin.${ZONE}.`,
      String(base + 100),
      "7200",
      "900",
      "1209600",
      "120",
    ]);
    // Smaller: ignored, NOERROR.
    assert.equal((await nsupdate(port, ZONE, [soa(base + 50, "smaller")], { key })).code, 0);
    // Numerically larger but more than 2^31 ahead: smaller in RFC 1982 §3.2, ignored too.
    const wrapped = (base + 100 + 2 ** 31 + 5) % 2 ** 32;
    assert.equal((await nsupdate(port, ZONE, [soa(wrapped, "wrapped")], { key })).code, 0);
    d = await dig(port, ZONE, "SOA");
    assert.equal(d.answer[0].data.split(/\s+/)[0], `primary.${ZONE}.`);
    assert.equal(await soaSerial(nodes[0]), base + 100);
    // The other node follows the journal to the same SOA.
    assert.ok(await waitFor(async () => (await soaSerial(nodes[1])) === base + 100, 3000));
  },
});

Deno.test({
  name:
    "a signed UPDATE with a TSIG fudge over 600 s is REFUSED (it bounds how long MACs are kept)",
  ...opts,
  async fn() {
    const name = `fudge.${ZONE}`;
    const long = await udpExchange(nodes[0].dnsPort, await racingUpdate(name, "x", 901, 3600));
    assert.ok(long);
    assert.equal(long[3] & 0xf, RCODE.REFUSED);
    assert.deepEqual(await rows(name, "TXT"), []);
    const usual = await udpExchange(nodes[0].dnsPort, await racingUpdate(name, "x", 902, 300));
    assert.ok(usual);
    assert.equal(usual[3] & 0xf, RCODE.NOERROR);
  },
});

Deno.test({
  name: "RFC 1035 §3.3.14: a multi-string TXT comes back string for string; DMP values as before",
  ...opts,
  async fn() {
    const port = nodes[0].dnsPort;
    const n = `multi.${ZONE}`;
    const r = await nsupdate(port, ZONE, [`update add ${n} 300 TXT "part one " "part two"`], {
      key,
    });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(await rows(n, "TXT"), ["part one part two"], "stored joined, as DMP reads it");
    for (const node of nodes) {
      assert.ok(
        await waitFor(async () => {
          const d = await dig(node.dnsPort, n, "TXT");
          return d.answer.length === 1 && txtStringLengths(d.answer[0].data).join() === "9,8";
        }, 3000),
        `node ${node.dnsPort}`,
      );
    }
    const d = await dig(port, n, "TXT", ["+tcp"]);
    assert.equal(d.answer[0].data, `"part one " "part two"`);
    // A value written in the canonical 255-byte split is served in it, as always.
    const long = "z".repeat(600);
    const parts = long.match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ");
    assert.equal(
      (await nsupdate(port, ZONE, [`update add long.${ZONE} 300 TXT ${parts}`], { key })).code,
      0,
    );
    const l = await dig(port, `long.${ZONE}`, "TXT", ["+tcp"]);
    assert.deepEqual(txtStringLengths(l.answer[0].data), [255, 255, 90]);
    // Deleting by value matches the joined text, whatever the split.
    assert.equal(
      (await nsupdate(port, ZONE, [`update delete ${n} TXT "part one part two"`], { key })).code,
      0,
    );
    assert.deepEqual(await rows(n, "TXT"), []);
  },
});

Deno.test.afterAll(async () => {
  for (const n of nodes) assert.equal(await n.stop(), 0);
  db?.client.close();
});
