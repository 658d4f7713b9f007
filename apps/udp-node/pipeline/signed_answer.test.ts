/**
 * The signing stage in process (validators check the signatures themselves
 * in tests/dnssec/validators.test.ts): DO=0 answers are byte-identical with
 * signing on, DO=1 questions for signed zones take the async path, sections
 * hold the right RRSIGs and black lies, a signed answer too large for UDP is
 * TC=1 (whole over TCP), and a zone's RRSIGs are cached.
 */
import assert from "node:assert/strict";
import { CLASS, FLAG, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage, type Message } from "../../../packages/core/wire/message.ts";
import { indexFromMasterFile } from "../../../packages/core/zone/testdata/index_from_master_file.ts";
import { generateSigningKey, importSigningKey } from "../../../packages/core/dnssec/signing_key.ts";
import { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import { answerQuery } from "./answer_query.ts";
import { answerSigned } from "./signed_answer.ts";

const ZONE = "signed.test";
const NOW = 1_800_000_000;
const TEXT = `$ORIGIN signed.test.
@ 3600 IN NS ns1.signed.test.
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.10
*.wild 300 IN TXT "wildcard"
a.b.ent 300 IN A 192.0.2.12
sub 3600 IN NS ns.sub.signed.test.
ns.sub 3600 IN A 192.0.2.54
big 300 IN TXT "${"x".repeat(250)}"
big 300 IN TXT "${"y".repeat(250)}"
big 300 IN TXT "${"z".repeat(250)}"
big 300 IN TXT "${"w".repeat(250)}"
big 300 IN TXT "${"v".repeat(250)}"
`;

const index = indexFromMasterFile(ZONE, TEXT);
const baseKey = await importSigningKey(await generateSigningKey(13));
/** Signatures made so far (the key counts them). */
let signatures = 0;
const signer = new ZoneSigner(ZONE, {
  ...baseKey,
  sign: (data) => {
    signatures++;
    return baseKey.sign(data);
  },
});
const signers = new Map([[ZONE, signer]]);

function query(name: string, type: number, opts: { do?: boolean; payload?: number } = {}) {
  return encodeMessage({
    id: 0x4242,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{
      name: "",
      type: TYPE.OPT,
      class: opts.payload ?? 1232,
      ttl: opts.do ? 0x8000 : 0,
      rdata: new Uint8Array(0),
    }],
  });
}

async function signed(name: string, type: number, tcp = false, payload = 1232): Promise<Message> {
  const r = await answerSigned(query(name, type, { do: true, payload }), index, signers, {
    maxTtl: 300,
  }, { tcp, now: NOW });
  assert.ok(r);
  const m = decodeMessage(r.bytes);
  assert.ok(m.ok, m.ok ? "" : m.error);
  return m.message;
}

Deno.test("DO=0 answers are byte-identical with signing on; DO=1 goes to the signing path", () => {
  for (const [name, type] of [["www.signed.test", TYPE.A], ["nope.signed.test", TYPE.A]] as const) {
    const plain = answerQuery(query(name, type), index, { maxTtl: 300 }, { tcp: false, now: NOW });
    const on = answerQuery(query(name, type), index, {
      maxTtl: 300,
      signedZones: new Set([ZONE]),
    }, { tcp: false, now: NOW });
    assert.equal(plain.kind, "reply");
    assert.equal(on.kind, "reply");
    if (plain.kind !== "reply" || on.kind !== "reply") return;
    assert.deepEqual([...on.bytes.slice(2)], [...plain.bytes.slice(2)]);
    const withDo = answerQuery(query(name, type, { do: true }), index, {
      maxTtl: 300,
      signedZones: new Set([ZONE]),
    }, { tcp: false, now: NOW });
    assert.deepEqual(withDo, { kind: "async", path: "dnssec" });
    // DO=1 for a zone that is not signed stays on the synchronous path.
    const other = answerQuery(query(name, type, { do: true }), index, {
      maxTtl: 300,
      signedZones: new Set(["other.test"]),
    }, { tcp: false, now: NOW });
    assert.equal(other.kind, "reply");
  }
});

Deno.test("answerSigned: positive answers carry the RRSIG; wildcard signed under the query name", async () => {
  const m = await signed("www.signed.test", TYPE.A);
  assert.equal(m.rcode, RCODE.NOERROR);
  assert.deepEqual(m.answers.map((a) => a.type), [TYPE.A, TYPE.RRSIG]);
  const sig = m.answers[1].rdata;
  assert.equal((sig[0] << 8) | sig[1], TYPE.A);
  assert.equal(sig[3], 3); // labels of www.signed.test
  const w = await signed("x.y.wild.signed.test", TYPE.TXT);
  assert.deepEqual(w.answers.map((a) => [a.name, a.type]), [
    ["x.y.wild.signed.test", TYPE.TXT],
    ["x.y.wild.signed.test", TYPE.RRSIG],
  ]);
  assert.equal(w.answers[1].rdata[3], 5);
});

Deno.test("answerSigned: compact denial (RFC 9824) for missing names, NODATA, ENT, no DS", async () => {
  const nx = await signed("nope.signed.test", TYPE.A);
  assert.equal(nx.rcode, RCODE.NOERROR);
  assert.equal(nx.answers.length, 0);
  assert.deepEqual(nx.authorities.map((a) => [a.name, a.type]), [
    [ZONE, TYPE.SOA],
    [ZONE, TYPE.RRSIG],
    ["nope.signed.test", TYPE.NSEC],
    ["nope.signed.test", TYPE.RRSIG],
  ]);
  const nsec = nx.authorities[2].rdata;
  // next name \000.nope.signed.test, then window 0 (RRSIG 46, NSEC 47) and window 0 ends at
  // octet 5; NXNAME (128) in the same window at octet 16.
  assert.deepEqual([...nsec.subarray(0, 2)], [1, 0]);
  const bitmap = nsec.subarray(2 + 18);
  assert.equal(bitmap[0], 0);
  assert.equal(bitmap[1], 17);
  assert.equal(bitmap[2 + 5], 0x03); // bits 46, 47
  assert.equal(bitmap[2 + 16], 0x80); // bit 128
  const ent = await signed("b.ent.signed.test", TYPE.A);
  assert.equal(ent.authorities[2].name, "b.ent.signed.test");
  assert.equal(ent.authorities[2].rdata.length, 2 + 19 + 2 + 6); // RRSIG NSEC only
  const nods = await signed("sub.signed.test", TYPE.DS);
  assert.equal(nods.authorities[2].type, TYPE.NSEC);
  const nsBits = nods.authorities[2].rdata.subarray(2 + 17);
  assert.equal(nsBits[2], 0x20); // NS (2) set
  assert.equal(nsBits[2 + 5] & 0x10, 0); // no DS (43)
  const referral = await signed("www.sub.signed.test", TYPE.A);
  assert.equal(referral.flags & FLAG.AA, 0);
  assert.deepEqual(referral.authorities.map((a) => a.type), [TYPE.NS, TYPE.NSEC, TYPE.RRSIG]);
});

Deno.test("answerSigned: TC=1 when a signed answer exceeds the UDP size; whole over TCP", async () => {
  const udp = await signed("big.signed.test", TYPE.TXT, false, 1232);
  assert.ok(udp.flags & FLAG.TC);
  assert.equal(udp.answers.length, 0);
  const small = await signed("www.signed.test", TYPE.A, false, 512);
  assert.equal(small.flags & FLAG.TC, 0);
  const tcp = await signed("big.signed.test", TYPE.TXT, true);
  assert.equal(tcp.flags & FLAG.TC, 0);
  assert.deepEqual(tcp.answers.map((a) => a.type), [...Array(5).fill(TYPE.TXT), TYPE.RRSIG]);
});

Deno.test("answerSigned: apex DNSKEY/CDS/CDNSKEY from the zone key; RRSIGs cached", async () => {
  for (const type of [TYPE.DNSKEY, TYPE.CDS, TYPE.CDNSKEY]) {
    const m = await signed(ZONE, type);
    assert.deepEqual(m.answers.map((a) => a.type), [type, TYPE.RRSIG]);
  }
  const dnskey = (await signed(ZONE, TYPE.DNSKEY)).answers[0].rdata;
  assert.deepEqual([...dnskey], [...signer.keys[0].key.dnskey]);
  const a = (await signed("www.signed.test", TYPE.A)).answers[1].rdata;
  const made = signatures;
  const b = (await signed("www.signed.test", TYPE.A)).answers[1].rdata;
  // The same RRSIG again and no signature made (Deno's WebCrypto ECDSA is deterministic, so
  // equal bytes alone would not show it was cached).
  assert.deepEqual([...a], [...b]);
  assert.equal(signatures, made);
  // A name of the zone asked for the first time costs one signature, its RRset's.
  await signed("ns1.signed.test", TYPE.A);
  assert.equal(signatures, made + 1);
});

Deno.test("answerSigned: NSEC and RRSIG questions at an existing name get those records", async () => {
  const nsec = await signed("www.signed.test", TYPE.NSEC);
  assert.deepEqual(nsec.answers.map((a) => a.type), [TYPE.NSEC, TYPE.RRSIG]);
  assert.equal(nsec.authorities.length, 0);
  const rrsig = await signed("www.signed.test", TYPE.RRSIG);
  assert.deepEqual(rrsig.answers.map((a) => a.type), [TYPE.RRSIG]);
  assert.equal((rrsig.answers[0].rdata[0] << 8) | rrsig.answers[0].rdata[1], TYPE.A);
  // At the apex: the stored NS and the SOA, DNSKEY, CDS and CDNSKEY (not stored at the name).
  const apex = await signed(ZONE, TYPE.RRSIG);
  const covered = apex.answers.map((a) => {
    assert.equal(a.type, TYPE.RRSIG);
    return (a.rdata[0] << 8) | a.rdata[1];
  });
  assert.deepEqual(covered.sort((a, b) => a - b), [
    TYPE.NS,
    TYPE.SOA,
    TYPE.DNSKEY,
    TYPE.CDS,
    TYPE.CDNSKEY,
  ]);
  // Each is the signature the answer for that type carries (cached: same bytes).
  for (const [type, rdata] of apex.answers.map((a) => [(a.rdata[0] << 8) | a.rdata[1], a.rdata])) {
    const direct = await signed(ZONE, type as number);
    const sig = [...direct.answers, ...direct.authorities].find((r) =>
      r.type === TYPE.RRSIG && ((r.rdata[0] << 8) | r.rdata[1]) === type
    );
    assert.deepEqual(sig?.rdata, rdata, `RRSIG ${type}`);
  }
  // A missing name is still the compact denial.
  const missing = await signed("nope.signed.test", TYPE.NSEC);
  assert.equal(missing.answers.length, 0);
  assert.equal(missing.authorities[2].type, TYPE.NSEC);
});
