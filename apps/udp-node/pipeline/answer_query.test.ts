import assert from "node:assert/strict";
import { CLASS, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage, type Message } from "../../../packages/core/wire/message.ts";
import { decodeTxtValue } from "../../../packages/core/wire/rdata.ts";
import type { StoredRecord, StoredZone } from "../../../packages/core/store/records.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { DELEGATIONS_ZONE } from "../../../packages/core/zone/testdata/delegations.ts";
import { indexFromMasterFile } from "../../../packages/core/zone/testdata/index_from_master_file.ts";
import { answerQuery, udpSizeLimit } from "./answer_query.ts";
import { RESPONSE_CLASS } from "../../../packages/core/rate_limit/response_rate_limiter.ts";
import { parseRequest } from "./parse_query.ts";

const ZONE = "example.test";

function storedZone(name: string): StoredZone {
  return {
    name,
    soaMname: `ns1.${name}`,
    soaRname: `hostmaster.${name}`,
    soaRefresh: 3600,
    soaRetry: 600,
    soaExpire: 86400,
    soaMinimum: 60,
    serial: 7,
  };
}

function indexWith(records: Omit<StoredRecord, "id" | "zone" | "createdAt">[]): ZoneIndex {
  const index = new ZoneIndex();
  index.replaceZone(
    storedZone(ZONE),
    records.map((r, i) => ({ ...r, id: i + 1, zone: ZONE, createdAt: 0 })),
  );
  return index;
}

/** A query with RD set; `edns` ≥ 0 adds an OPT with that UDP payload size. */
function query(name: string, type: number, edns = -1): Uint8Array {
  return encodeMessage({
    id: 0x1234,
    flags: 0x0100,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: edns < 0
      ? []
      : [{ name: "", type: TYPE.OPT, class: edns, ttl: 0, rdata: new Uint8Array(0) }],
  });
}

function ask(index: ZoneIndex, name: string, type: number, now: number, maxTtl = 300): Message {
  const request = query(name, type);
  const out = answerQuery(request, index, { maxTtl }, { tcp: false, now });
  assert.equal(out.kind, "reply");
  if (out.kind !== "reply") throw new Error("unreachable");
  const decoded = decodeMessage(out.bytes);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  return decoded.message;
}

Deno.test("answer TTL = min(DMP_DNS_TTL, own TTL, remaining lifetime) per RR (brief §8.1 item 6)", () => {
  const index = indexWith([
    { name: "m.example.test", type: "TXT", value: "soon", ttl: 3600, expiresAt: 1_000_030 },
    { name: "m.example.test", type: "TXT", value: "later", ttl: 3600, expiresAt: 1_009_000 },
    { name: "m.example.test", type: "TXT", value: "zone", ttl: 45, expiresAt: 0 },
  ]);
  const m = ask(index, "m.example.test", TYPE.TXT, 1_000_000, 300);
  assert.deepEqual(
    m.answers.map((a) => [decodeTxtValue(a.rdata), a.ttl]),
    [["soon", 30], ["later", 300], ["zone", 45]],
  );
  // The RRset's stored bytes are not changed by answering: a later answer starts afresh.
  const again = ask(index, "m.example.test", TYPE.TXT, 1_000_020, 3600);
  assert.deepEqual(again.answers.map((a) => a.ttl), [10, 3600, 45]);
});

Deno.test("a partly expired RRset is answered with its live RRs only", () => {
  const index = indexWith([
    { name: "m.example.test", type: "TXT", value: "old", ttl: 60, expiresAt: 1000 },
    { name: "m.example.test", type: "TXT", value: "new", ttl: 60, expiresAt: 5000 },
  ]);
  const m = ask(index, "m.example.test", TYPE.TXT, 1000);
  assert.equal(m.rcode, RCODE.NOERROR);
  assert.deepEqual(m.answers.map((a) => decodeTxtValue(a.rdata)), ["new"]);
  assert.equal(ask(index, "m.example.test", TYPE.TXT, 5000).rcode, RCODE.NXDOMAIN);
});

Deno.test("negative answers carry the SOA with its owner pointing into the question", () => {
  const index = indexWith([{
    name: "a.example.test",
    type: "TXT",
    value: "v",
    ttl: 60,
    expiresAt: 0,
  }]);
  const m = ask(index, "NoPe.Example.TEST", TYPE.TXT, 0);
  assert.equal(m.rcode, RCODE.NXDOMAIN);
  assert.equal(m.questions[0].name, "NoPe.Example.TEST", "0x20 case is echoed");
  assert.equal(m.authorities.length, 1);
  assert.equal(m.authorities[0].type, TYPE.SOA);
  // The question's own case shows the owner is a pointer into it, not a written name.
  assert.equal(m.authorities[0].name, "Example.TEST");
});

Deno.test("answers from the answer table are byte for byte those of the index path", () => {
  const records = [
    { name: "a.example.test", type: "TXT", value: "x".repeat(300), ttl: 120, expiresAt: 0 },
    { name: "a.example.test", type: "TXT", value: "two", ttl: 120, expiresAt: 0 },
    { name: "m.example.test", type: "TXT", value: "slot", ttl: 3600, expiresAt: 1_000_500 },
    { name: "h.example.test", type: "A", value: "192.0.2.7", ttl: 60, expiresAt: 0 },
  ];
  const fast = indexWith(records);
  // A nested zone turns the table off: the same data answered by ZoneIndex.lookup alone.
  const slow = indexWith(records);
  slow.replaceZone(storedZone("sub.example.test"), []);
  assert.ok(fast.answerTable() && !slow.answerTable());
  for (
    const [name, type] of [["a.example.test", TYPE.TXT], ["M.Example.test", TYPE.TXT], [
      "h.example.test",
      TYPE.A,
    ]] as const
  ) {
    for (const edns of [-1, 1232]) {
      const request = query(name, type, edns);
      // The fast index really answers from its table (else both sides would be the index path).
      const q = parseRequest(request);
      assert.ok(q.kind === "query");
      assert.ok(fast.answerTable()!.find(q.key, q.keyLength, q.keyHash, type, 1_000_000) >= 0);
      const a = answerQuery(request, fast, { maxTtl: 300 }, { tcp: false, now: 1_000_000 });
      const b = answerQuery(request, slow, { maxTtl: 300 }, { tcp: false, now: 1_000_000 });
      assert.ok(a.kind === "reply" && b.kind === "reply");
      assert.deepEqual([...a.bytes], [...b.bytes], `${name} ${type} edns ${edns}`);
      const m = decodeMessage(a.bytes);
      assert.ok(
        m.ok && (m.message.answers.length > 0 || m.message.flags & 0x0200),
        "answered or TC",
      );
    }
  }
});

Deno.test("a qname with bytes that need escaping is answered by the index (RFC 4343 §2.1)", () => {
  const index = indexWith([
    { name: "a\\032b.example.test", type: "TXT", value: "space", ttl: 60, expiresAt: 0 },
    { name: "a\\046b.example.test", type: "TXT", value: "dot", ttl: 60, expiresAt: 0 },
    { name: "ab.example.test", type: "TXT", value: "plain", ttl: 60, expiresAt: 0 },
  ]);
  const value = (name: string) =>
    ask(index, name, TYPE.TXT, 0).answers.map((a) => decodeTxtValue(a.rdata));
  assert.deepEqual(value("A\\032B.example.test"), ["space"]);
  assert.deepEqual(value("a\\046b.example.test"), ["dot"]);
  assert.deepEqual(value("AB.example.test"), ["plain"]);
  assert.equal(ask(index, "a\\.b.example.test", TYPE.TXT, 0).answers.length, 1, "\\. is \\046");
});

Deno.test("wire: a referral has AA=0, NS in authority, glue in additional, owners encoded right", () => {
  const index = indexFromMasterFile("example.test", DELEGATIONS_ZONE);
  const rr = (r: { name: string; type: number; ttl: number }) => `${r.name} ${r.ttl} ${r.type}`;
  for (
    const [qname, owner] of [["Host.SUB.example.test", "SUB.example.test"], [
      "x.far.example.test",
      "far.example.test",
    ]]
  ) {
    const m = ask(index, qname, TYPE.A, 0);
    assert.equal(m.flags & 0x0400, 0, "AA=0 on a referral");
    assert.equal(m.rcode, RCODE.NOERROR);
    assert.equal(m.answers.length, 0);
    assert.ok(m.authorities.every((a) => a.type === TYPE.NS && a.name === owner), qname);
  }
  const m = ask(index, "host.sub.example.test", TYPE.A, 0);
  assert.deepEqual(m.additionals.map(rr), ["ns1.sub.example.test 300 1"]);
  // A CNAME chain: each RR under its own owner, the last one written out (not under the qname).
  const c = ask(index, "chain1.example.test", TYPE.A, 0);
  assert.ok(c.flags & 0x0400);
  assert.deepEqual(c.answers.map(rr), [
    "chain1.example.test 300 5",
    "chain2.example.test 300 5",
    "alias.example.test 300 5",
    "www.example.test 300 1",
  ]);
  // NODATA after a chain: the SOA in authority (RFC 2308 §2.2).
  const nodata = ask(index, "alias.example.test", TYPE.MX, 0);
  assert.deepEqual(nodata.authorities.map(rr), ["example.test 60 6"]);
  const nx = ask(index, "dangling.example.test", TYPE.A, 0);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.deepEqual(nx.answers.map(rr), ["dangling.example.test 300 5"]);
});

Deno.test("UDP answers never exceed 1232 bytes whatever EDNS size is asked (issue 12 #4)", () => {
  // 31 values of 2 KB: ~64 KB of answer, the 960x amplification.
  const index = indexWith(
    Array.from({ length: 31 }, (_, i) => ({
      name: "big.example.test",
      type: "TXT",
      value: `${i}-` + "v".repeat(2000),
      ttl: 60,
      expiresAt: 0,
    })),
  );
  for (const edns of [65535, 4096, 1233, 1232, 512, 100, -1]) {
    const request = query("big.example.test", TYPE.TXT, edns);
    const out = answerQuery(request, index, { maxTtl: 300 }, { tcp: false, now: 0 });
    assert.ok(out.kind === "reply");
    assert.ok(out.bytes.length <= 1232, `edns ${edns}: ${out.bytes.length} bytes`);
    const m = decodeMessage(out.bytes);
    assert.ok(m.ok);
    assert.ok(m.message.flags & 0x0200, `edns ${edns}: TC=1`);
    assert.equal(m.message.answers.length, 0);
  }
  assert.equal(udpSizeLimit(65535), 1232);
  assert.equal(udpSizeLimit(1400), 1232);
  assert.equal(udpSizeLimit(1000), 1000);
  assert.equal(udpSizeLimit(100), 512, "RFC 6891 §6.2.5: below 512 counts as 512");
  assert.equal(udpSizeLimit(-1), 512);
  const tcp = answerQuery(query("big.example.test", TYPE.TXT, 65535), index, { maxTtl: 300 }, {
    tcp: true,
    now: 0,
  });
  assert.ok(tcp.kind === "reply");
  const m = decodeMessage(tcp.bytes);
  assert.ok(m.ok && m.message.answers.length === 31, "TCP carries the whole RRset");
});

Deno.test("replies carry the RRL class and key: qname+qtype, the zone for NXDOMAIN, 0 for errors", () => {
  const index = indexWith([
    { name: "a.example.test", type: "TXT", value: "v", ttl: 60, expiresAt: 0 },
  ]);
  const rrl = (name: string, type: number, qclass: number = CLASS.IN) => {
    const request = encodeMessage({
      id: 1,
      flags: 0,
      opcode: 0,
      rcode: 0,
      questions: [{ name, type, class: qclass }],
      answers: [],
      authorities: [],
      additionals: [],
    });
    const out = answerQuery(request, index, { maxTtl: 300 }, { tcp: false, now: 0 });
    assert.ok(out.kind === "reply");
    return [out.rrlClass, out.rrlName];
  };
  const [posClass, posName] = rrl("a.example.test", TYPE.TXT);
  assert.equal(posClass, RESPONSE_CLASS.POSITIVE);
  assert.deepEqual(rrl("A.Example.Test", TYPE.TXT), [posClass, posName], "case-insensitive");
  const [nodataClass, nodataName] = rrl("a.example.test", TYPE.A);
  assert.equal(nodataClass, RESPONSE_CLASS.NODATA);
  assert.notEqual(nodataName, posName, "qtype is part of the key");
  const nx1 = rrl("x1.example.test", TYPE.TXT);
  assert.equal(nx1[0], RESPONSE_CLASS.NXDOMAIN);
  assert.deepEqual(rrl("random-2.example.test", TYPE.A), nx1, "NXDOMAIN keys on the zone");
  assert.deepEqual(rrl("elsewhere.test", TYPE.A), [RESPONSE_CLASS.ERROR, 0], "REFUSED");
  assert.deepEqual(rrl("a.example.test", TYPE.TXT, 3), [RESPONSE_CLASS.ERROR, 0], "CHAOS");
});

/** A query whose OPT carries the given options (code, data). */
function queryWithOptions(name: string, type: number, options: [number, number[]][]): Uint8Array {
  const rdata = options.flatMap(([code, data]) => [
    code >> 8,
    code & 0xff,
    data.length >> 8,
    data.length & 0xff,
    ...data,
  ]);
  return encodeMessage({
    id: 0x1234,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [{ name: "", type: TYPE.OPT, class: 1232, ttl: 0, rdata: new Uint8Array(rdata) }],
  });
}

/** The options of the OPT in a response, in order. */
function responseOptions(bytes: Uint8Array): { code: number; data: Uint8Array }[] {
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  if (!decoded.ok) throw new Error("unreachable");
  const opt = decoded.message.additionals.find((r) => r.type === TYPE.OPT);
  assert.ok(opt, "the response carries an OPT");
  const out: { code: number; data: Uint8Array }[] = [];
  for (let o = 0; o + 4 <= opt.rdata.length;) {
    const len = (opt.rdata[o + 2] << 8) | opt.rdata[o + 3];
    out.push({
      code: (opt.rdata[o] << 8) | opt.rdata[o + 1],
      data: opt.rdata.slice(o + 4, o + 4 + len),
    });
    o += 4 + len;
  }
  return out;
}

Deno.test("keepalive (RFC 7828) and padding (RFC 8467) only on stream transports, only when asked", () => {
  const index = indexWith([
    { name: `www.${ZONE}`, type: "A", ttl: 300, value: "192.0.2.1", expiresAt: 0 },
  ]);
  const nsid = new TextEncoder().encode("node-1");
  const both = queryWithOptions(`www.${ZONE}`, TYPE.A, [[3, []], [11, []], [12, [0, 0]]]);
  const dot = { keepalive: 50, padBlock: 468 };
  const tcp = { keepalive: 50, padBlock: 0 };
  const settings = { maxTtl: 300, nsid };
  const answer = (req: Uint8Array, t: { tcp: boolean; stream?: typeof dot }) => {
    const out = answerQuery(req, index, settings, { ...t, now: 0 });
    assert.equal(out.kind, "reply");
    if (out.kind !== "reply") throw new Error("unreachable");
    return out.bytes;
  };

  // DoT: NSID, keepalive with our timeout, padding last, whole message a multiple of 468.
  const overDot = answer(both, { tcp: true, stream: dot });
  assert.equal(overDot.length % 468, 0);
  const dotOptions = responseOptions(overDot);
  assert.deepEqual(dotOptions.map((o) => o.code), [3, 11, 12]);
  assert.deepEqual([...dotOptions[1].data], [0, 50]);
  assert.ok(dotOptions[2].data.every((b) => b === 0), "padding octets are zero");
  const m = decodeMessage(overDot);
  assert.ok(m.ok && m.message.answers.length === 1 && m.message.answers[0].type === TYPE.A);

  // Plain TCP: keepalive, no padding (unencrypted).
  assert.deepEqual(responseOptions(answer(both, { tcp: true, stream: tcp })).map((o) => o.code), [
    3,
    11,
  ]);
  // UDP: neither, whatever the query carries (RFC 7828 §3.3.2).
  const overUdp = answer(both, { tcp: false });
  assert.deepEqual(responseOptions(overUdp).map((o) => o.code), [3]);
  // A query that asks for neither gets neither, on DoT too.
  const plain = queryWithOptions(`www.${ZONE}`, TYPE.A, []);
  assert.deepEqual(responseOptions(answer(plain, { tcp: true, stream: dot })), []);
  // Negative answers (index path) are padded as well.
  const nx = answer(queryWithOptions(`nope.${ZONE}`, TYPE.A, [[12, []]]), {
    tcp: true,
    stream: dot,
  });
  assert.equal(nx.length % 468, 0);
  assert.equal(responseOptions(nx).at(-1)?.code, 12);
});

Deno.test("RRL keys: referrals on the delegation point, wildcard answers on the wildcard owner", () => {
  const index = indexWith([
    { name: "sub.example.test", type: "NS", value: "ns1.sub.example.test", ttl: 60, expiresAt: 0 },
    { name: "ns1.sub.example.test", type: "A", value: "192.0.2.53", ttl: 60, expiresAt: 0 },
    { name: "other.example.test", type: "NS", value: "ns.elsewhere.test", ttl: 60, expiresAt: 0 },
    { name: "*.wild.example.test", type: "TXT", value: "w", ttl: 60, expiresAt: 0 },
    { name: "*.wild2.example.test", type: "TXT", value: "w2", ttl: 60, expiresAt: 0 },
    { name: "exact.wild.example.test", type: "TXT", value: "e", ttl: 60, expiresAt: 0 },
    { name: "a.example.test", type: "TXT", value: "v", ttl: 60, expiresAt: 0 },
  ]);
  const rrl = (name: string, type: number) => {
    const out = answerQuery(query(name, type), index, { maxTtl: 300 }, { tcp: false, now: 0 });
    assert.ok(out.kind === "reply");
    return [out.rrlClass, out.rrlName];
  };
  // Referrals: every name at or below the cut is one key, whatever the qtype.
  const ref = rrl("x1.sub.example.test", TYPE.A);
  assert.equal(ref[0], RESPONSE_CLASS.REFERRAL);
  assert.deepEqual(rrl("deep.x2.sub.example.test", TYPE.TXT), ref, "random names below one cut");
  assert.deepEqual(rrl("sub.example.test", TYPE.A), ref, "the cut itself");
  const other = rrl("y.other.example.test", TYPE.A);
  assert.equal(other[0], RESPONSE_CLASS.REFERRAL);
  assert.notEqual(other[1], ref[1], "another delegation point is another key");
  // DS at the cut is the parent's answer (RFC 4035 §3.1.4.1), not a referral.
  assert.equal(rrl("sub.example.test", TYPE.DS)[0], RESPONSE_CLASS.NODATA);

  // Wildcard answers and wildcard NODATA key on the wildcard owner (and qtype), not the qname.
  const w = rrl("r1.wild.example.test", TYPE.TXT);
  assert.equal(w[0], RESPONSE_CLASS.WILDCARD);
  assert.deepEqual(rrl("R2.Wild.Example.Test", TYPE.TXT), w);
  assert.deepEqual(rrl("r3.wild.example.test", TYPE.TXT), w, "a random-subdomain flood is one key");
  const wNodata = rrl("r4.wild.example.test", TYPE.A);
  assert.equal(wNodata[0], RESPONSE_CLASS.WILDCARD);
  assert.notEqual(wNodata[1], w[1], "qtype is part of the key");
  assert.deepEqual(rrl("r5.wild.example.test", TYPE.A), wNodata);
  assert.notEqual(rrl("r1.wild2.example.test", TYPE.TXT)[1], w[1], "another wildcard, another key");
  // An existing name under the wildcard's parent is not synthesized: positive on its qname.
  const exact = rrl("exact.wild.example.test", TYPE.TXT);
  assert.equal(exact[0], RESPONSE_CLASS.POSITIVE);
  assert.notEqual(exact[1], w[1]);
  // Below an existing name with no `*` child: NXDOMAIN on the zone (RFC 4592 §3.3.1).
  const nx = rrl("n.a.example.test", TYPE.TXT);
  assert.equal(nx[0], RESPONSE_CLASS.NXDOMAIN);
  assert.deepEqual(rrl("zz.example.test", TYPE.TXT), nx);
});

/** An index whose answer table is never used: every query takes ZoneIndex.lookup. */
class IndexOnly extends ZoneIndex {
  override answerTable(): undefined {
    return undefined;
  }
}

/** Asks every (name, type) of both indexes and asserts identical replies and RRL keys. */
function assertSameAnswers(
  fast: ZoneIndex,
  slow: ZoneIndex,
  names: readonly string[],
  now: number,
): { negatives: number } {
  let negatives = 0;
  const types = [TYPE.A, TYPE.AAAA, TYPE.TXT, TYPE.NS, TYPE.SOA, TYPE.CNAME, TYPE.DS, TYPE.ANY];
  for (const name of names) {
    for (const type of types) {
      const request = query(name, type);
      const q = parseRequest(request);
      assert.ok(q.kind === "query");
      if (fast.answerTable()!.negative(q.key, q.keyLength, q.keyHash, type, now) >= 0) negatives++;
      const a = answerQuery(request, fast, { maxTtl: 300 }, { tcp: false, now });
      const b = answerQuery(request, slow, { maxTtl: 300 }, { tcp: false, now });
      assert.deepEqual(a, b, `${name} type ${type} at ${now}`);
    }
  }
  return { negatives };
}

Deno.test("negative answers from the table's marks are those of the index, byte for byte (RFC 2308)", () => {
  const records = [
    { name: "example.test", type: "NS", value: "ns1.example.test", ttl: 300, expiresAt: 0 },
    { name: "ns1.example.test", type: "A", value: "192.0.2.53", ttl: 300, expiresAt: 0 },
    { name: "slot-1.mb-abc.example.test", type: "TXT", value: "v", ttl: 300, expiresAt: 0 },
    { name: "slot-2.mb-abc.example.test", type: "TXT", value: "w", ttl: 60, expiresAt: 1_000_100 },
    { name: "a.b.c.example.test", type: "A", value: "192.0.2.1", ttl: 300, expiresAt: 0 },
    {
      name: "alias.example.test",
      type: "CNAME",
      value: "a.b.c.example.test",
      ttl: 300,
      expiresAt: 0,
    },
  ];
  const names = [
    "example.test",
    "nope.example.test",
    "slot-1.mb-abc.example.test",
    "SLOT-1.Mb-Abc.example.test",
    "slot-2.mb-abc.example.test",
    "slot-3.mb-abc.example.test",
    "mb-abc.example.test",
    "mb-abd.example.test",
    "b.c.example.test",
    "c.example.test",
    "x.a.b.c.example.test",
    "alias.example.test",
    "ns1.example.test",
    "other.test",
    "example.test.other",
    "xexample.test",
    "a.xexample.test",
    // 120 labels: the table tries only suffixes as long as an apex, never each of these.
    Array.from({ length: 120 }, () => "a").join(".") + ".example.test",
  ];
  const fast = indexWith(records);
  const slow = new IndexOnly();
  slow.replaceZone(
    storedZone(ZONE),
    records.map((r, i) => ({ ...r, id: i + 1, zone: ZONE, createdAt: 0 })),
  );
  // Before and after slot-2 expires (its name then no longer exists: NXDOMAIN by the index).
  const before = assertSameAnswers(fast, slow, names, 1_000_000);
  assertSameAnswers(fast, slow, names, 1_000_200);
  // The table decides most of these misses (NXDOMAIN, NODATA, empty non-terminals) itself.
  assert.ok(before.negatives >= 40, `table negatives: ${before.negatives}`);
  const deep = parseRequest(query(names.at(-1)!, TYPE.TXT));
  assert.ok(deep.kind === "query");
  assert.equal(
    fast.answerTable()!.negative(deep.key, deep.keyLength, deep.keyHash, TYPE.TXT, 1_000_000),
    RCODE.NXDOMAIN,
    "a deep name under the zone is NXDOMAIN from the table",
  );

  // Patches: a name removed, one added under a new empty non-terminal, a wildcard added
  // (then unmarked names are no longer NXDOMAIN by the table: synthesis may answer them).
  const patch = (index: ZoneIndex, names: string[], recs: typeof records) =>
    index.replaceNames(
      ZONE,
      names,
      recs.map((r, i) => ({ ...r, id: 100 + i, zone: ZONE, createdAt: 0 })),
    );
  for (const index of [fast, slow]) {
    patch(index, ["a.b.c.example.test"], []);
    patch(index, ["new.d.e.example.test"], [
      { name: "new.d.e.example.test", type: "TXT", value: "n", ttl: 300, expiresAt: 0 },
    ]);
  }
  const more = [...names, "d.e.example.test", "e.example.test", "new.d.e.example.test"];
  assertSameAnswers(fast, slow, more, 1_000_000);
  for (const index of [fast, slow]) {
    patch(index, ["*.example.test"], [
      { name: "*.example.test", type: "TXT", value: "wild", ttl: 300, expiresAt: 0 },
    ]);
  }
  assertSameAnswers(fast, slow, more, 1_000_000);
  // A delegation: names at and below the cut get referrals, never the table's NXDOMAIN.
  for (const index of [fast, slow]) {
    patch(index, ["*.example.test", "mb-abc.example.test"], [
      {
        name: "mb-abc.example.test",
        type: "NS",
        value: "ns.elsewhere.example",
        ttl: 300,
        expiresAt: 0,
      },
    ]);
  }
  assertSameAnswers(fast, slow, more, 1_000_000);
});

Deno.test("the root zone's misses come from the table too (the empty suffix is its apex)", () => {
  const records = [
    { name: "", type: "NS", value: "ns.test", ttl: 300, expiresAt: 0 },
    { name: "a.test", type: "TXT", value: "v", ttl: 300, expiresAt: 0 },
  ];
  const fast = new ZoneIndex();
  const slow = new IndexOnly();
  for (const index of [fast, slow]) {
    index.replaceZone(
      storedZone(""),
      records.map((r, i) => ({ ...r, id: i + 1, zone: "", createdAt: 0 })),
    );
  }
  const names = ["", "test", "a.test", "b.test", "nope", "x.y.z"];
  assertSameAnswers(fast, slow, names, 0);
  const miss = parseRequest(query("x.y.z", TYPE.A));
  assert.ok(miss.kind === "query");
  assert.equal(
    fast.answerTable()!.negative(miss.key, miss.keyLength, miss.keyHash, TYPE.A, 0),
    RCODE.NXDOMAIN,
  );
});

Deno.test("NXDOMAIN for a nonexistent mailbox slot comes from the table with the zone's SOA and RRL key", () => {
  const index = indexWith([
    { name: "slot-1.mb-abc.example.test", type: "TXT", value: "v", ttl: 300, expiresAt: 0 },
  ]);
  const request = query("slot-7.mb-fff.Example.Test", TYPE.TXT);
  const q = parseRequest(request);
  assert.ok(q.kind === "query");
  const table = index.answerTable()!;
  assert.equal(table.negative(q.key, q.keyLength, q.keyHash, TYPE.TXT, 0), RCODE.NXDOMAIN);
  assert.equal(table.negativeZone?.name, ZONE);
  const out = answerQuery(request, index, { maxTtl: 300 }, { tcp: false, now: 0 });
  assert.ok(out.kind === "reply");
  assert.equal(out.rrlClass, RESPONSE_CLASS.NXDOMAIN);
  const m = decodeMessage(out.bytes);
  assert.ok(m.ok);
  assert.equal(m.message.rcode, RCODE.NXDOMAIN);
  assert.equal(m.message.authorities[0].type, TYPE.SOA);
  assert.equal(m.message.authorities[0].name, "Example.Test", "owner points into the question");
  // After the zone is removed the table no longer knows it: the index refuses the name.
  index.removeZone(ZONE);
  assert.equal(table.negative(q.key, q.keyLength, q.keyHash, TYPE.TXT, 0), -1);
  const refused = answerQuery(request, index, { maxTtl: 300 }, { tcp: false, now: 0 });
  assert.ok(refused.kind === "reply" && refused.outcome === "refused");
});
