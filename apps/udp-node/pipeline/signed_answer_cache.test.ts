/**
 * The signed-answer cache in process: a cached answer is the answer built
 * (bytes), served synchronously, and never outlives what it was built from:
 * a changed name, a TTL counting down, an RRSIG due for refresh, a new key.
 * A flood of missing names neither evicts cached answers about existing ones
 * nor grows the zone's RRSIG cache.
 */
import assert from "node:assert/strict";
import { CLASS, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage, type Message } from "../../../packages/core/wire/message.ts";
import { indexFromMasterFile } from "../../../packages/core/zone/testdata/index_from_master_file.ts";
import { generateSigningKey, importSigningKey } from "../../../packages/core/dnssec/signing_key.ts";
import {
  SIGNATURE_REFRESH,
  SIGNATURE_VALIDITY,
  ZoneSigner,
} from "../../../packages/core/dnssec/zone_signer.ts";
import { initialKeyTimes } from "../../../packages/core/dnssec/key_timeline.ts";
import type { StoredRecord } from "../../../packages/core/store/records.ts";
import { answerSigned, answerSignedFromCache } from "./signed_answer.ts";
import { MISSING_NAME_CACHE_LIMIT, SignedAnswerCache } from "./signed_answer_cache.ts";
import { parseRequest } from "./parse_query.ts";

const ZONE = "cache.test";
const NOW = 1_800_000_000;
const TEXT = `$ORIGIN cache.test.
@ 3600 IN NS ns1.cache.test.
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.10
sub 3600 IN NS ns.sub.cache.test.
ns.sub 3600 IN A 192.0.2.54
*.wild 300 IN TXT "wildcard"
`;
const key = await importSigningKey(await generateSigningKey(13));

function query(name: string, type: number, id = 0x4242): Uint8Array {
  return encodeMessage({
    id,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{ name: "", type: TYPE.OPT, class: 1232, ttl: 0x8000, rdata: new Uint8Array(0) }],
  });
}

function setup() {
  const index = indexFromMasterFile(ZONE, TEXT);
  const signer = new ZoneSigner(ZONE, key);
  const signers = new Map([[ZONE, signer]]);
  const ask = async (name: string, type: number, now = NOW, id = 0x4242) => {
    const r = await answerSigned(query(name, type, id), index, signers, { maxTtl: 300 }, {
      tcp: false,
      now,
    });
    assert.ok(r);
    return r.bytes;
  };
  const cached = (name: string, type: number, now = NOW, id = 0x4242) =>
    answerSignedFromCache(query(name, type, id), index, signers, { maxTtl: 300 }, {
      tcp: false,
      now,
    })?.bytes;
  return { index, signer, signers, ask, cached };
}

function decode(bytes: Uint8Array): Message {
  const m = decodeMessage(bytes);
  assert.ok(m.ok, m.ok ? "" : m.error);
  return m.message;
}

function record(name: string, type: string, value: string, ttl: number, expiresAt = 0) {
  return { id: 1, zone: ZONE, name, type, value, ttl, createdAt: 0, expiresAt } as StoredRecord;
}

Deno.test("signed-answer cache: a hit is the built answer, byte for byte, under the asker's ID", async () => {
  const { ask, cached } = setup();
  assert.equal(cached("www.cache.test", TYPE.A), undefined, "nothing cached before the first ask");
  const built = await ask("www.cache.test", TYPE.A);
  const hit = cached("www.cache.test", TYPE.A);
  assert.ok(hit);
  assert.deepEqual([...hit], [...built]);
  // Case and ID as asked: the question is echoed, the ID is the new query's.
  const upper = cached("WWW.Cache.TEST", TYPE.A, NOW, 0x1234);
  assert.ok(upper);
  assert.deepEqual([upper[0], upper[1]], [0x12, 0x34]);
  assert.equal(decode(upper).questions[0].name, "WWW.Cache.TEST");
  assert.deepEqual([...upper.subarray(2 + 10 + 16)], [...built.subarray(2 + 10 + 16)]);
  // Another type at the same name is another entry.
  assert.equal(cached("www.cache.test", TYPE.AAAA), undefined);
});

Deno.test("signed-answer cache: a changed name is answered from the new data, not the cache", async () => {
  const { index, ask, cached } = setup();
  await ask("www.cache.test", TYPE.A);
  assert.ok(cached("www.cache.test", TYPE.A));
  index.replaceNames(ZONE, ["www.cache.test"], [record("www.cache.test", "A", "192.0.2.99", 300)]);
  assert.equal(cached("www.cache.test", TYPE.A), undefined, "stale after the index changed");
  const m = decode(await ask("www.cache.test", TYPE.A));
  assert.deepEqual([...m.answers[0].rdata], [192, 0, 2, 99]);
  // A name deleted since: its cached positive answer goes, the black lie comes.
  index.replaceNames(ZONE, ["www.cache.test"], []);
  const gone = decode(await ask("www.cache.test", TYPE.A));
  assert.equal(gone.answers.length, 0);
  assert.equal(gone.authorities[2].type, TYPE.NSEC);
});

Deno.test("signed-answer cache: expiring RRs are cached for their second only (TTL counts down)", async () => {
  const { index, ask, cached } = setup();
  index.replaceNames(ZONE, ["tmp.cache.test"], [
    record("tmp.cache.test", "A", "192.0.2.7", 300, NOW + 100),
  ]);
  const first = decode(await ask("tmp.cache.test", TYPE.A, NOW));
  assert.equal(first.answers[0].ttl, 100);
  assert.ok(cached("tmp.cache.test", TYPE.A, NOW + 0.5), "same second: cached");
  assert.equal(cached("tmp.cache.test", TYPE.A, NOW + 1), undefined, "next second: rebuilt");
  const later = decode(await ask("tmp.cache.test", TYPE.A, NOW + 40));
  assert.equal(later.answers[0].ttl, 60);
  assert.equal(later.answers[1].ttl, 60, "the RRSIG's TTL is the RRset's");
  // A clock that stepped back does not get an answer built later.
  assert.equal(cached("tmp.cache.test", TYPE.A, NOW + 39), undefined);
});

Deno.test("signed-answer cache: an answer whose RRSIG is due for refresh is built again", async () => {
  const { ask, cached } = setup();
  const before = decode(await ask("www.cache.test", TYPE.A));
  const refreshAt = NOW + SIGNATURE_VALIDITY - SIGNATURE_REFRESH;
  assert.ok(cached("www.cache.test", TYPE.A, refreshAt - 1));
  assert.equal(cached("www.cache.test", TYPE.A, refreshAt), undefined);
  const after = decode(await ask("www.cache.test", TYPE.A, refreshAt));
  const inception = (m: Message) => new DataView(m.answers[1].rdata.buffer).getUint32(12);
  assert.equal(inception(after) - inception(before), refreshAt - NOW, "a new signature");
});

Deno.test("signed-answer cache: a zone re-keyed (new signer) never gets the old key's answers", async () => {
  const { signers, ask, cached } = setup();
  await ask(ZONE, TYPE.DNSKEY);
  assert.ok(cached(ZONE, TYPE.DNSKEY));
  const other = await importSigningKey(await generateSigningKey(13));
  signers.set(ZONE, new ZoneSigner(ZONE, other));
  assert.equal(cached(ZONE, TYPE.DNSKEY), undefined);
  const m = decode(await ask(ZONE, TYPE.DNSKEY));
  assert.deepEqual([...m.answers[0].rdata], [...other.dnskey]);
  signers.delete(ZONE);
  assert.equal(cached(ZONE, TYPE.DNSKEY), undefined, "signing off: nothing from the cache");
});

Deno.test("signed-answer cache: a rollover's switch (read off the clock) rebuilds the answer", async () => {
  const ksk = await importSigningKey(await generateSigningKey(13, 257));
  const oldZsk = await importSigningKey(await generateSigningKey(13, 256));
  const newZsk = await importSigningKey(await generateSigningKey(13, 256));
  const switchAt = NOW + 100;
  const index = indexFromMasterFile(ZONE, TEXT);
  const signers = new Map([[
    ZONE,
    new ZoneSigner(ZONE, [
      { key: ksk, times: initialKeyTimes("ksk", 0) },
      { key: oldZsk, times: { ...initialKeyTimes("zsk", 0), zoneUntil: switchAt } },
      { key: newZsk, times: { ...initialKeyTimes("zsk", NOW - 10), activeAt: switchAt } },
    ]),
  ]]);
  const at = (now: number) => ({ tcp: false, now });
  const tagOf = async (now: number) => {
    const r = await answerSigned(
      query("www.cache.test", TYPE.A),
      index,
      signers,
      { maxTtl: 300 },
      at(now),
    );
    const sig = decode(r!.bytes).answers.find((a) => a.type === TYPE.RRSIG)!;
    return (sig.rdata[16] << 8) | sig.rdata[17];
  };
  assert.equal(await tagOf(NOW), oldZsk.keyTag);
  const hit = answerSignedFromCache(query("www.cache.test", TYPE.A), index, signers, {
    maxTtl: 300,
  }, at(switchAt - 1));
  assert.ok(hit, "cached before the switch");
  assert.equal(
    answerSignedFromCache(
      query("www.cache.test", TYPE.A),
      index,
      signers,
      { maxTtl: 300 },
      at(switchAt),
    ),
    undefined,
    "not served from the cache at the switch",
  );
  assert.equal(await tagOf(switchAt), newZsk.keyTag);
});

Deno.test("signed-answer cache: a missing-name flood evicts no existing name and no zone RRSIG", async () => {
  const { signer, ask, cached } = setup();
  await ask("www.cache.test", TYPE.A);
  await ask("ns1.cache.test", TYPE.A);
  await ask("first.cache.test", TYPE.A); // the SOA's RRSIG, which every black lie shares
  const sigs = signer.cached;
  for (let i = 0; i < 200; i++) await ask(`r${i}.cache.test`, TYPE.A);
  assert.equal(signer.cached, sigs, "black lies for missing names are not kept as zone RRSIGs");
  assert.ok(cached("www.cache.test", TYPE.A));
  assert.ok(cached("r199.cache.test", TYPE.A), "the last missing name is cached (retries)");
  // The same with the tables' bounds small: the missing-name table cycles on its own.
  const cache = new SignedAnswerCache({ existing: 2, missing: 3 });
  const q = (name: string) => {
    const p = parseRequest(query(name, TYPE.A));
    assert.equal(p.kind, "query");
    if (p.kind !== "query") throw new Error();
    return { ...p, key: p.key.slice(0, p.keyLength) };
  };
  const body = (name: string) => ({
    sections: new TextEncoder().encode(name),
    counts: [0, 0, 0] as const,
    rcode: 0,
    aa: true,
    outcome: "x",
    rrl: { class: 0, name: 0 },
  });
  const signers = new Map([[ZONE, signer]]);
  const validity = (missing: boolean) => ({
    generation: 0,
    signer,
    validFrom: NOW,
    validUntil: NOW + 10,
    missing,
  });
  for (const name of ["a.cache.test", "b.cache.test"]) {
    const x = q(name);
    cache.store(x, body(name), validity(false));
  }
  for (let i = 0; i < 50; i++) {
    const x = q(`m${i}.cache.test`);
    cache.store(x, body(x.key.join()), validity(true));
  }
  assert.equal(cache.size, 5);
  for (const name of ["a.cache.test", "b.cache.test", "m49.cache.test"]) {
    assert.ok(cache.find(q(name), 0, NOW, signers), name);
  }
  assert.equal(cache.find(q("m0.cache.test"), 0, NOW, signers), undefined);
  assert.equal(cache.find(q("a.cache.test"), 1, NOW, signers), undefined, "other generation");
});

Deno.test("signed-answer cache: a label with a dot in it never shares an entry with two labels", async () => {
  // "a\\.www" is one label; its key bytes are those of "a.www". A black lie cached for it would
  // be served for the existing a.www.cache.test (an NSEC at another name: a validation failure).
  const { index, ask, cached } = setup();
  index.replaceNames(ZONE, ["a.www.cache.test"], [
    record("a.www.cache.test", "A", "192.0.2.5", 300),
  ]);
  const escaped = decode(await ask("a\\.www.cache.test", TYPE.A));
  assert.equal(escaped.answers.length, 0, "one label a.www does not exist");
  assert.equal(cached("a\\.www.cache.test", TYPE.A), undefined, "not kept");
  const plain = decode(await ask("a.www.cache.test", TYPE.A));
  assert.deepEqual(plain.answers.map((a) => a.type), [TYPE.A, TYPE.RRSIG]);
  assert.equal(cached("a\\.www.cache.test", TYPE.A), undefined, "nor served from a.www's entry");
  assert.ok(cached("a.www.cache.test", TYPE.A));
});

Deno.test("signed-answer cache: referrals and wildcard answers for random names take the small table", async () => {
  const { signer, ask, cached } = setup();
  await ask("www.cache.test", TYPE.A);
  await ask("sub.cache.test", TYPE.DS); // the NSEC at the cut, which every referral shares
  const sigs = signer.cached;
  const below = (i: number) => `r${i}.sub.cache.test`;
  const wild = (i: number) => `r${i}.wild.cache.test`;
  const referral = decode(await ask(below(0), TYPE.A));
  assert.deepEqual(referral.authorities.map((a) => a.type), [TYPE.NS, TYPE.NSEC, TYPE.RRSIG]);
  assert.ok(cached(below(0), TYPE.A));
  await ask(wild(0), TYPE.TXT);
  assert.ok(cached(wild(0), TYPE.TXT));
  // More of them than the small table holds: the first ones go, the zone's own names stay.
  for (let i = 1; i <= MISSING_NAME_CACHE_LIMIT; i++) {
    await ask(i % 2 ? below(i) : wild(i), i % 2 ? TYPE.A : TYPE.TXT);
  }
  assert.equal(cached(below(0), TYPE.A), undefined);
  assert.equal(cached(wild(0), TYPE.TXT), undefined);
  assert.ok(cached("www.cache.test", TYPE.A));
  assert.ok(cached(below(MISSING_NAME_CACHE_LIMIT - 1), TYPE.A));
  assert.equal(signer.cached, sigs, "no RRSIG kept for a wildcard-synthesized name");
});
