/**
 * The transfer handler in process, against a real file database for the
 * policy: multi-message AXFR verified message by message with the core TCP
 * verifier (RFC 8945 §5.3.1), IXFR differences and their condensing
 * (RFC 1995 §4, §5), fallbacks, the transfer-slot cap, and signed zones.
 */
import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import type { StoredRecord, StoredZone } from "../../../packages/core/store/records.ts";
import { putTransferPolicy } from "../../../packages/core/store/transfer_policy.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { createKeyring, tsigKey } from "../../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../../packages/core/tsig/sign.ts";
import { createTcpVerifier } from "../../../packages/core/tsig/verify_response.ts";
import { CLASS, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage, type Message } from "../../../packages/core/wire/message.ts";
import {
  decodeSoaRdata,
  decodeTxtValue,
  encodeSoaRdata,
} from "../../../packages/core/wire/rdata.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { TransferHandler } from "./transfer_handler.ts";
import { generateSigningKey, importSigningKey } from "../../../packages/core/dnssec/signing_key.ts";
import { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import { SIGNATURE_BACKDATE } from "../../../packages/core/dnssec/zone_signer.ts";
import { TRANSFER_SIGNATURE_VALIDITY } from "../../../packages/core/dnssec/signed_zone.ts";

const ZONE = "h.test";
const KEY = tsigKey("k", "hmac-sha256", crypto.getRandomValues(new Uint8Array(32)));
const NOW = 1_800_000_000;
const logger = createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} });

function zoneRow(serial: number): StoredZone {
  return {
    name: ZONE,
    soaMname: `ns1.${ZONE}`,
    soaRname: `hostmaster.${ZONE}`,
    soaRefresh: 3600,
    soaRetry: 600,
    soaExpire: 604800,
    soaMinimum: 60,
    serial,
  };
}

function txt(name: string, value: string, id = 0): StoredRecord {
  return { id, zone: ZONE, name, type: "TXT", value, ttl: 300, createdAt: 0, expiresAt: 0 };
}

async function setup(maxConcurrent = 4, signers?: ReadonlyMap<string, ZoneSigner>) {
  const db = await freshDatabase();
  await upsertZone(db.client, { name: ZONE }, NOW);
  await putTransferPolicy(db.client, {
    zone: ZONE,
    allowKeys: ["k"],
    allowNets: [],
    notify: [],
  }, NOW);
  const index = new ZoneIndex();
  const records = Array.from({ length: 60 }, (_, i) => txt(`n${i}.${ZONE}`, `value ${i}`, i));
  index.replaceZone(zoneRow(100), records);
  const handler = new TransferHandler({
    index,
    client: db.client,
    keyring: createKeyring([KEY]),
    logger,
    metrics: new MetricsRegistry(),
    maxTtl: 60,
    maxConcurrent,
    ixfrVersions: 10,
    messageBytes: 512,
    clock: () => NOW,
    signers,
  });
  return { db, index, handler };
}

let nextId = 1;

/** A transfer request; each has its own ID, so its MAC is never a replay of another. */
function request(type: number, serial?: number): Uint8Array {
  return encodeMessage({
    id: nextId++,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name: ZONE, type, class: CLASS.IN }],
    answers: [],
    authorities: serial === undefined ? [] : [{
      name: ZONE,
      type: TYPE.SOA,
      class: CLASS.IN,
      ttl: 0,
      rdata: encodeSoaRdata({
        mname: "a",
        rname: "b",
        serial,
        refresh: 0,
        retry: 0,
        expire: 0,
        minimum: 0,
      }),
    }],
    additionals: [],
  });
}

/** Runs a signed request over the TCP path; verifies every message's TSIG in order. */
async function transfer(handler: TransferHandler, wire: Uint8Array): Promise<Message[]> {
  const { wire: signed, mac } = await signRequest(wire, { key: KEY, now: NOW });
  const verifier = createTcpVerifier({ key: KEY, requestMac: mac });
  const out: Message[] = [];
  for await (
    const a of handler.stream(signed, { tcp: true, remoteAddress: "127.0.0.1", now: NOW })
  ) {
    assert.ok(a.bytes);
    const d = decodeMessage(a.bytes);
    assert.ok(d.ok);
    const v = await verifier.verify(a.bytes, d.message.tsigOffset, NOW);
    assert.ok(v.ok, `message ${out.length} failed TSIG: ${!v.ok && v.reason}`);
    out.push(d.message);
  }
  assert.ok(verifier.settled);
  return out;
}

/** Answer RRs of a response stream as `TYPE name value`, SOAs as `SOA serial`. */
function rrs(messages: Message[]): string[] {
  return messages.flatMap((m) =>
    m.answers.map((rr) =>
      rr.type === TYPE.SOA
        ? `SOA ${decodeSoaRdata(rr.rdata)!.serial}`
        : `TXT ${rr.name} ${decodeTxtValue(rr.rdata)}`
    )
  );
}

Deno.test({
  name:
    "AXFR: several messages, every one TSIG-verified in order, SOA first and last, every RR once",
  sanitizeResources: false,
  async fn() {
    const { db, handler } = await setup();
    try {
      const messages = await transfer(handler, request(TYPE.AXFR));
      assert.ok(messages.length > 3, `${messages.length} messages`);
      for (const m of messages) assert.equal(m.rcode, RCODE.NOERROR);
      const all = rrs(messages);
      assert.equal(all[0], "SOA 100");
      assert.equal(all.at(-1), "SOA 100");
      const txts = all.filter((r) => r.startsWith("TXT")).sort();
      assert.equal(txts.length, 60);
      assert.equal(new Set(txts).size, 60);
      assert.ok(txts.includes(`TXT n42.${ZONE} value 42`));
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name: "IXFR: condensed differences from a recorded serial; unknown serials get the whole zone",
  sanitizeResources: false,
  async fn() {
    const { db, index, handler } = await setup();
    try {
      await transfer(handler, request(TYPE.AXFR)); // records version 100
      // 101: add x, change n1; then 102: delete x again, add y.
      index.replaceNames(ZONE, [`x.${ZONE}`, `n1.${ZONE}`], [
        txt(`x.${ZONE}`, "temp"),
        txt(`n1.${ZONE}`, "changed"),
      ]);
      index.updateZoneMeta(zoneRow(101));
      assert.equal(rrs(await transfer(handler, request(TYPE.IXFR, 100))).length, 7);
      index.replaceNames(ZONE, [`x.${ZONE}`, `y.${ZONE}`], [txt(`y.${ZONE}`, "new")]);
      index.updateZoneMeta(zoneRow(102));
      const diff = rrs(await transfer(handler, request(TYPE.IXFR, 100)));
      // RFC 1995 §4: new SOA, old SOA, deletions, new SOA, additions, new SOA; x condensed away.
      assert.deepEqual(diff, [
        "SOA 102",
        "SOA 100",
        `TXT n1.${ZONE} value 1`,
        "SOA 102",
        `TXT n1.${ZONE} changed`,
        `TXT y.${ZONE} new`,
        "SOA 102",
      ]);
      assert.deepEqual(rrs(await transfer(handler, request(TYPE.IXFR, 101))), [
        "SOA 102",
        "SOA 101",
        `TXT x.${ZONE} temp`,
        "SOA 102",
        `TXT y.${ZONE} new`,
        "SOA 102",
      ]);
      assert.deepEqual(rrs(await transfer(handler, request(TYPE.IXFR, 102))), ["SOA 102"]);
      const full = rrs(await transfer(handler, request(TYPE.IXFR, 99)));
      assert.equal(full.filter((r) => r.startsWith("TXT")).length, 61);
      assert.equal(full[1].startsWith("TXT"), true, "a whole zone has no second SOA up front");
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name: "IXFR over UDP: the differences when they fit, else the SOA alone",
  sanitizeResources: false,
  async fn() {
    const { db, index, handler } = await setup();
    try {
      await transfer(handler, request(TYPE.AXFR));
      index.replaceNames(ZONE, [`z.${ZONE}`], [txt(`z.${ZONE}`, "small")]);
      index.updateZoneMeta(zoneRow(101));
      const udp = async (serial: number) => {
        const { wire } = await signRequest(request(TYPE.IXFR, serial), { key: KEY, now: NOW });
        const a = await handler.answer(wire, { tcp: false, remoteAddress: "127.0.0.1", now: NOW });
        const d = decodeMessage(a.bytes!);
        assert.ok(d.ok);
        return rrs([d.message]);
      };
      assert.deepEqual(await udp(100), [
        "SOA 101",
        "SOA 100",
        "SOA 101",
        `TXT z.${ZONE} small`,
        "SOA 101",
      ]);
      const big = Array.from({ length: 40 }, (_, i) => txt(`big${i}.${ZONE}`, "y".repeat(60)));
      index.replaceNames(ZONE, big.map((r) => r.name), big);
      index.updateZoneMeta(zoneRow(102));
      assert.deepEqual(await udp(101), ["SOA 102"]);
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name: "a transfer beyond DMP_XFR_MAX_CONCURRENT gets SERVFAIL, and the slot frees afterwards",
  sanitizeResources: false,
  async fn() {
    const { db, handler } = await setup(1);
    try {
      const { wire } = await signRequest(request(TYPE.AXFR), { key: KEY, now: NOW });
      const ctx = { tcp: true, remoteAddress: "127.0.0.1", now: NOW };
      const first = handler.stream(wire, ctx);
      assert.ok((await first.next()).value?.bytes); // holds the only slot, unfinished
      const { wire: second } = await signRequest(request(TYPE.AXFR), { key: KEY, now: NOW + 1 });
      const busy = [];
      for await (const a of handler.stream(second, { ...ctx, now: NOW + 1 })) busy.push(a);
      assert.equal(busy.length, 1);
      assert.equal(busy[0].bytes![3] & 0xf, RCODE.SERVFAIL);
      await first.return(undefined);
      assert.equal(handler.active, 0);
      assert.ok((await transfer(handler, request(TYPE.AXFR))).length > 1);
    } finally {
      db.client.close();
    }
  },
});

Deno.test({
  name:
    "a signed zone: AXFR carries keys, RRSIGs and NSECs; IXFR sends it whole; a version is signed once",
  sanitizeResources: false,
  async fn() {
    const signer = new ZoneSigner(ZONE, await importSigningKey(await generateSigningKey(13)));
    const { db, index, handler } = await setup(4, new Map([[ZONE, signer]]));
    try {
      const first = await transfer(handler, request(TYPE.AXFR));
      const answers = first.flatMap((m) => m.answers);
      const count = (type: number) =>
        answers.filter((rr) => rr.type === TYPE.SOA ? false : rr.type === type).length;
      assert.equal(answers[0].type, TYPE.SOA);
      assert.equal(answers.at(-1)!.type, TYPE.SOA);
      assert.equal(count(TYPE.DNSKEY), 1);
      assert.equal(count(TYPE.TXT), 60);
      // The apex (SOA, DNSKEY, CDS, CDNSKEY) and 60 names: an NSEC each, an RRSIG per RRset and NSEC.
      assert.equal(count(TYPE.NSEC), 61);
      assert.equal(count(TYPE.RRSIG), 60 + 61 + 4);
      for (const rr of answers.filter((rr) => rr.type === TYPE.RRSIG)) {
        const v = new DataView(rr.rdata.buffer, rr.rdata.byteOffset);
        assert.deepEqual([v.getUint32(12), v.getUint32(8)], [
          NOW - SIGNATURE_BACKDATE,
          NOW + TRANSFER_SIGNATURE_VALIDITY,
        ]);
      }
      // The same version again: the same signatures (ECDSA is randomized, so signed once).
      const again = (await transfer(handler, request(TYPE.AXFR))).flatMap((m) => m.answers);
      assert.deepEqual(again.map((rr) => rr.rdata), answers.map((rr) => rr.rdata));
      // A change: an IXFR from the old serial gets the whole new zone (RFC 1995 §4), signed.
      index.replaceNames(ZONE, [`x.${ZONE}`], [txt(`x.${ZONE}`, "new")]);
      index.updateZoneMeta(zoneRow(101));
      const ixfr = (await transfer(handler, request(TYPE.IXFR, 100))).flatMap((m) => m.answers);
      assert.equal(decodeSoaRdata(ixfr[0].rdata)!.serial, 101);
      assert.notEqual(ixfr[1].type, TYPE.SOA, "the whole zone, not differences");
      assert.equal(ixfr.filter((rr) => rr.type === TYPE.NSEC).length, 62);
      // Over UDP the SOA alone (the client retries over TCP); a current client the SOA alone.
      const { wire } = await signRequest(request(TYPE.IXFR, 100), { key: KEY, now: NOW });
      const udp = await handler.answer(wire, { tcp: false, remoteAddress: "127.0.0.1", now: NOW });
      const d = decodeMessage(udp.bytes!);
      assert.ok(d.ok);
      assert.deepEqual(d.message.answers.map((rr) => rr.type), [TYPE.SOA]);
      assert.deepEqual(rrs(await transfer(handler, request(TYPE.IXFR, 101))), ["SOA 101"]);
      // Outside the policy (no key): REFUSED, nothing of the signed zone sent.
      index.updateZoneMeta(zoneRow(102));
      const refused = [];
      for await (
        const a of handler.stream(request(TYPE.AXFR), {
          tcp: true,
          remoteAddress: "127.0.0.1",
          now: NOW,
        })
      ) refused.push(a);
      assert.equal(refused.length, 1);
      assert.equal(refused[0].bytes![3] & 0xf, RCODE.REFUSED);
      const r = decodeMessage(refused[0].bytes!);
      assert.ok(r.ok);
      assert.equal(r.message.answers.length, 0);
      assert.equal(handler.active, 0);
    } finally {
      db.client.close();
    }
  },
});
