import assert from "node:assert/strict";
import { generateSigningKey, importSigningKey } from "./signing_key.ts";
import { initialKeyTimes } from "./key_timeline.ts";
import {
  SIGNATURE_BACKDATE,
  SIGNATURE_REFRESH,
  SIGNATURE_VALIDITY,
  ZoneSigner,
} from "./zone_signer.ts";

const key = await importSigningKey(await generateSigningKey(13));
const NOW = 1_800_000_000;
const rrset = (rdata: number[]) => ({
  owner: "www.example",
  type: 1,
  ttl: 300,
  rdatas: [Uint8Array.from(rdata)],
});

function window(rdata: Uint8Array): [number, number] {
  const v = new DataView(rdata.buffer, rdata.byteOffset);
  return [v.getUint32(12), v.getUint32(8)];
}

Deno.test("ZoneSigner.rrsig() signs with the validity window and caches until the refresh point", async () => {
  const signer = new ZoneSigner("example", key);
  const first = await signer.rrsig(rrset([192, 0, 2, 1]), NOW);
  assert.deepEqual(window(first.rdata), [NOW - SIGNATURE_BACKDATE, NOW + SIGNATURE_VALIDITY]);
  const later = await signer.rrsig(rrset([192, 0, 2, 1]), NOW + 100);
  assert.deepEqual(later.rdata, first.rdata);
  assert.equal(signer.cached, 1);
  // Past the refresh point (less than SIGNATURE_REFRESH left) it is signed again.
  const t = NOW + SIGNATURE_VALIDITY - SIGNATURE_REFRESH;
  const renewed = await signer.rrsig(rrset([192, 0, 2, 1]), t);
  assert.deepEqual(window(renewed.rdata), [t - SIGNATURE_BACKDATE, t + SIGNATURE_VALIDITY]);
});

Deno.test("ZoneSigner.rrsig() signs a changed RRset again, never serving a stale RRSIG", async () => {
  const signer = new ZoneSigner("example", key);
  const a = await signer.rrsig(rrset([192, 0, 2, 1]), NOW);
  const b = await signer.rrsig(rrset([192, 0, 2, 2]), NOW);
  assert.notDeepEqual(a.rdata, b.rdata);
  const ttl = await signer.rrsig({ ...rrset([192, 0, 2, 2]), ttl: 60 }, NOW);
  assert.notDeepEqual(ttl.rdata, b.rdata);
  assert.equal(signer.cached, 1);
});

Deno.test("ZoneSigner.rrsig() keeps at most its cache limit (a random-name flood stays bounded)", async () => {
  const signer = new ZoneSigner("example", key, 3);
  for (let i = 0; i < 20; i++) {
    await signer.rrsig({ ...rrset([192, 0, 2, 1]), owner: `n${i}.example` }, NOW);
  }
  assert.equal(signer.cached, 3);
});

Deno.test("ZoneSigner: the KSK signs DNSKEY/CDS/CDNSKEY, the ZSK the rest; CDS lists KSKs only", async () => {
  const ksk = await importSigningKey(await generateSigningKey(13, 257));
  const zsk = await importSigningKey(await generateSigningKey(13, 256));
  const signer = new ZoneSigner("example", [
    { key: ksk, times: initialKeyTimes("ksk", 0) },
    { key: zsk, times: initialKeyTimes("zsk", 0) },
  ]);
  assert.equal(signer.signingKey("example", 48, NOW), ksk);
  assert.equal(signer.signingKey("example", 59, NOW), ksk);
  assert.equal(signer.signingKey("example", 6, NOW), zsk);
  // A DNSKEY RRset below the apex is zone data.
  assert.equal(signer.signingKey("www.example", 48, NOW), zsk);
  assert.deepEqual(await signer.apexKeyRdatas(48, NOW), [ksk.dnskey, zsk.dnskey]);
  assert.deepEqual(await signer.apexKeyRdatas(60, NOW), [ksk.dnskey]);
  assert.equal((await signer.apexKeyRdatas(59, NOW)).length, 1);
});

Deno.test("ZoneSigner: at a rollover's switch the cached RRSIG of the old key is not served again", async () => {
  const ksk = await importSigningKey(await generateSigningKey(13, 257));
  const oldZsk = await importSigningKey(await generateSigningKey(13, 256));
  const newZsk = await importSigningKey(await generateSigningKey(13, 256));
  const switchAt = NOW + 10;
  const signer = new ZoneSigner("example", [
    { key: ksk, times: initialKeyTimes("ksk", 0) },
    {
      key: oldZsk,
      times: { ...initialKeyTimes("zsk", 0), zoneUntil: switchAt, removeAt: NOW + 20 },
    },
    { key: newZsk, times: { ...initialKeyTimes("zsk", NOW), activeAt: switchAt } },
  ]);
  const tagOf = (rdata: Uint8Array) => (rdata[16] << 8) | rdata[17];
  assert.equal(tagOf((await signer.rrsig(rrset([192, 0, 2, 1]), NOW)).rdata), oldZsk.keyTag);
  assert.equal(
    tagOf((await signer.rrsig(rrset([192, 0, 2, 1]), switchAt - 1)).rdata),
    oldZsk.keyTag,
  );
  assert.equal(tagOf((await signer.rrsig(rrset([192, 0, 2, 1]), switchAt)).rdata), newZsk.keyTag);
  assert.equal((await signer.apexKeyRdatas(48, NOW + 19)).length, 3);
  assert.equal((await signer.apexKeyRdatas(48, NOW + 20)).length, 2);
});

Deno.test("ZoneSigner.rrsig({ cache: false }) signs without keeping the signature", async () => {
  const signer = new ZoneSigner("example", key);
  const set = { ...rrset([192, 0, 2, 1]), owner: "random.example" };
  const a = await signer.rrsig(set, NOW, { cache: false });
  await signer.rrsig(set, NOW, { cache: false });
  assert.equal(signer.cached, 0);
  assert.deepEqual(window(a.rdata), [NOW - SIGNATURE_BACKDATE, NOW + SIGNATURE_VALIDITY]);
  assert.equal(a.expiration, NOW + SIGNATURE_VALIDITY);
  // The same RRset signed as usual is then kept.
  await signer.rrsig(set, NOW);
  assert.equal(signer.cached, 1);
});
