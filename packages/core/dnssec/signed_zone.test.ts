import assert from "node:assert/strict";
import { TYPE } from "../wire/constants.ts";
import { canonicalNameWire } from "./rrsig.ts";
import { generateSigningKey, importSigningKey } from "./signing_key.ts";
import { type PlainRRset, signZone } from "./signed_zone.ts";
import { ZoneSigner } from "./zone_signer.ts";
import { initialKeyTimes } from "./key_timeline.ts";

const signer = new ZoneSigner("example", await importSigningKey(await generateSigningKey(13)));
const A = (...last: number[]): PlainRRset => ({
  type: TYPE.A,
  ttl: 300,
  rdatas: last.map((l) => Uint8Array.of(192, 0, 2, l)),
});
const set = (type: number, ...rdatas: Uint8Array[]): PlainRRset => ({ type, ttl: 300, rdatas });
const validity = { inception: 1_800_000_000, expiration: 1_800_000_000 + 86400 };

async function signed(nodes: [string, PlainRRset[]][]) {
  const rrs = await signZone(
    {
      apex: "example",
      soaTtl: 60,
      soaRdata: new Uint8Array(22),
      nsecTtl: 60,
      nodes: new Map(nodes),
    },
    signer,
    validity,
    validity.inception + 3600,
  );
  const covered = (owner: string) =>
    rrs.filter((r) => r.owner === owner && r.type === TYPE.RRSIG)
      .map((r) => (r.rdata[0] << 8) | r.rdata[1]).sort((a, b) => a - b);
  const types = (owner: string) => rrs.filter((r) => r.owner === owner).map((r) => r.type);
  const nsec = (owner: string) => rrs.find((r) => r.owner === owner && r.type === TYPE.NSEC);
  return { rrs, covered, types, nsec };
}

Deno.test("signZone() signs the apex with its keys and chains names in canonical order", async () => {
  const z = await signed([
    ["example", [set(TYPE.NS, canonicalNameWire("ns.example"))]],
    ["ns.example", [A(1)]],
    ["b.example", [A(2)]],
  ]);
  assert.deepEqual(z.covered("example"), [
    TYPE.NS,
    TYPE.SOA,
    TYPE.NSEC,
    TYPE.DNSKEY,
    TYPE.CDS,
    TYPE.CDNSKEY,
  ]);
  // The chain: example → b.example → ns.example → example.
  const next = (owner: string) => z.nsec(owner)!.rdata;
  assert.ok(startsWith(next("example"), canonicalNameWire("b.example")));
  assert.ok(startsWith(next("b.example"), canonicalNameWire("ns.example")));
  assert.ok(startsWith(next("ns.example"), canonicalNameWire("example")));
  // Every RRSIG names the zone as signer and has the window asked for.
  for (const r of z.rrs.filter((r) => r.type === TYPE.RRSIG)) {
    const v = new DataView(r.rdata.buffer, r.rdata.byteOffset);
    assert.deepEqual([v.getUint32(12), v.getUint32(8)], [validity.inception, validity.expiration]);
  }
});

Deno.test("signZone(): delegations, glue, DNAME-occluded names and empty non-terminals", async () => {
  const z = await signed([
    ["example", []],
    ["child.example", [set(TYPE.NS, canonicalNameWire("ns.child.example")), A(9)]],
    ["ns.child.example", [A(3)]],
    ["sec.example", [set(TYPE.NS, canonicalNameWire("ns.x")), set(TYPE.DS, new Uint8Array(36))]],
    ["old.example", [set(TYPE.DNAME, canonicalNameWire("new.example"))]],
    ["x.old.example", [A(4)]],
    ["a.ent.example", [A(5)]],
  ]);
  // At a cut only the DS is signed; the NSEC there lists NS (and DS), never the glue's A.
  assert.deepEqual(z.covered("child.example"), [TYPE.NSEC]);
  assert.deepEqual(z.covered("sec.example"), [TYPE.DS, TYPE.NSEC]);
  // Window 0, 6 octets: NS (2), DS (43), RRSIG (46), NSEC (47).
  assert.deepEqual([...z.nsec("sec.example")!.rdata.slice(-8)], [0, 6, 0x20, 0, 0, 0, 0, 0x13]);
  assert.equal(z.nsec("child.example")!.rdata.at(-6)! & 0x40, 0, "glue A not in the bitmap");
  // Glue and names under a DNAME: sent, unsigned, no NSEC.
  assert.deepEqual(z.types("ns.child.example"), [TYPE.A]);
  assert.deepEqual(z.types("x.old.example"), [TYPE.A]);
  assert.deepEqual(z.covered("old.example"), [TYPE.DNAME, TYPE.NSEC]);
  // The empty non-terminal ent.example has nothing; a.ent.example is in the chain.
  assert.deepEqual(z.types("ent.example"), []);
  assert.deepEqual(z.covered("a.ent.example"), [TYPE.A, TYPE.NSEC]);
});

Deno.test("signZone() replaces stored keys and denial records with its own", async () => {
  const z = await signed([
    ["example", [set(TYPE.DNSKEY, new Uint8Array(40)), set(TYPE.NSEC, new Uint8Array(3))]],
    ["www.example", [A(1), set(TYPE.RRSIG, new Uint8Array(30))]],
  ]);
  const dnskeys = z.rrs.filter((r) => r.type === TYPE.DNSKEY);
  assert.deepEqual(dnskeys.map((r) => r.rdata), [signer.keys[0].key.dnskey]);
  assert.equal(z.rrs.filter((r) => r.owner === "example" && r.type === TYPE.NSEC).length, 1);
  assert.deepEqual(z.covered("www.example"), [TYPE.A, TYPE.NSEC]);
});

Deno.test("signZone() with a KSK and a ZSK: the KSK signs the apex key RRsets, the ZSK the rest", async () => {
  const ksk = await importSigningKey(await generateSigningKey(13, 257));
  const zsk = await importSigningKey(await generateSigningKey(13, 256));
  const split = new ZoneSigner("example", [
    { key: ksk, times: initialKeyTimes("ksk", 0) },
    { key: zsk, times: initialKeyTimes("zsk", 0) },
  ]);
  const rrs = await signZone(
    {
      apex: "example",
      soaTtl: 60,
      soaRdata: new Uint8Array(22),
      nsecTtl: 60,
      nodes: new Map([["www.example", [A(1)]]]),
    },
    split,
    validity,
    validity.inception + 3600,
  );
  // RRSIG RDATA: type covered (2), algorithm, labels, original TTL (4), expiration, inception (4 each), key tag.
  const signers = (owner: string, covered: number) =>
    rrs.filter((r) =>
      r.owner === owner && r.type === TYPE.RRSIG && ((r.rdata[0] << 8) | r.rdata[1]) === covered
    )
      .map((r) => (r.rdata[16] << 8) | r.rdata[17]);
  assert.equal(rrs.filter((r) => r.type === TYPE.DNSKEY).length, 2);
  assert.deepEqual(signers("example", TYPE.DNSKEY), [ksk.keyTag]);
  assert.deepEqual(signers("example", TYPE.SOA), [zsk.keyTag]);
  assert.deepEqual(signers("www.example", TYPE.A), [zsk.keyTag]);
  assert.deepEqual(signers("example", TYPE.NSEC), [zsk.keyTag]);
});

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => a[i] === b);
}
