import assert from "node:assert/strict";
import { generateSigningKey, importSigningKey } from "./signing_key.ts";
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
