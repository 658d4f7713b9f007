/**
 * Transfer and NOTIFY conformance against a running node, with dig, kdig and
 * raw messages (issue 16): AXFR without TSIG → REFUSED, a bad key → NOTAUTH
 * with the TSIG error and no data, AXFR over UDP → REFUSED, IXFR over UDP →
 * our SOA alone, NOTIFY for our zone → NOERROR (REFUSED for others), a
 * replayed signed AXFR → REFUSED, and a signed AXFR of several messages that
 * kdig verifies message by message (RFC 8945 §5.3.1).
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
import { readTsigRecord } from "../../packages/core/tsig/tsig_rdata.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeSoaRdata } from "../../packages/core/wire/rdata.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { dig, run } from "../_support/dig.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery, tcpExchange, udpExchange } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "conf.test";
const CLOSED = "closed.test";
const SEALING_KEY = "ef".repeat(32);
const KEY = "xfr-key";
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const now = () => Math.floor(Date.now() / 1000);

let node: NodeProcess;
let denoNode: NodeProcess;
let db: Awaited<ReturnType<typeof freshDatabase>>;

function ixfrQuery(zone: string, serial: number, id = 0x4242): Uint8Array {
  return encodeMessage({
    id,
    flags: 0,
    opcode: 0,
    rcode: 0,
    questions: [{ name: zone, type: TYPE.IXFR, class: CLASS.IN }],
    answers: [],
    authorities: [{
      name: zone,
      type: TYPE.SOA,
      class: CLASS.IN,
      ttl: 0,
      rdata: encodeSoaRdata({
        mname: `ns1.${zone}`,
        rname: `hostmaster.${zone}`,
        serial,
        refresh: 1,
        retry: 1,
        expire: 1,
        minimum: 1,
      }),
    }],
    additionals: [],
  });
}

async function signed(wire: Uint8Array, secret = SECRET, name = KEY): Promise<Uint8Array> {
  const key = tsigKey(name, "hmac-sha256", encodeBase64(secret));
  return (await signRequest(wire, { key, now: now() })).wire;
}

function tsigError(reply: Uint8Array): number | undefined {
  const d = decodeMessage(reply);
  if (!d.ok || d.message.tsigOffset === undefined) return undefined;
  const r = readTsigRecord(reply, d.message.tsigOffset);
  return r.ok ? r.record.rdata.error : undefined;
}

Deno.test({
  name: "setup: a zone larger than one AXFR message, a closed zone, a transfer key",
  ...opts,
  async fn() {
    db = await freshDatabase();
    await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
    await upsertZone(db.client, { name: CLOSED, apexNs: [`ns1.${CLOSED}`] }, now());
    const changes: RecordChange[] = [];
    for (let i = 0; i < 800; i++) {
      changes.push({
        op: "add",
        zone: ZONE,
        name: `n${i}.${ZONE}`,
        type: "TXT",
        value: `value number ${i}`,
        ttl: 300,
      });
    }
    await applyRecordChanges(db.client, changes, { now: now() });
    await putTsigKey(db.client, await createSecretBox(SEALING_KEY), {
      name: KEY,
      algorithm: "hmac-sha256",
      secret: SECRET,
      allowedSuffixes: [],
      subject: "",
      registeredSpk: "",
      registeredX25519Pub: "",
      expiresAt: 0,
    }, now());
    await putTransferPolicy(db.client, {
      zone: ZONE,
      allowKeys: [KEY],
      allowNets: [],
      notify: [],
    }, now());
    node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_TSIG_SECRET_KEY: SEALING_KEY },
    });
    // The same database served by a node on Deno (issue 15): its TCP adapter streams AXFR too.
    denoNode = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_TSIG_SECRET_KEY: SEALING_KEY },
      runtime: "deno",
    });
  },
});

Deno.test({
  name: "AXFR without TSIG is REFUSED with no records",
  ...opts,
  async fn() {
    const [reply] = await tcpExchange(node.dnsPort, [buildQuery(ZONE, TYPE.AXFR)], 1);
    const d = decodeMessage(reply);
    assert.ok(d.ok);
    assert.equal(d.message.rcode, RCODE.REFUSED);
    assert.equal(d.message.answers.length, 0);
    const k = await run("kdig", ["@127.0.0.1", "-p", String(node.dnsPort), ZONE, "AXFR"]);
    assert.match(k.stdout + k.stderr, /REFUSED/);
  },
});

Deno.test({
  name: "AXFR with a wrong secret is NOTAUTH/BADSIG, an unknown key NOTAUTH/BADKEY, no records",
  ...opts,
  async fn() {
    const wrong = crypto.getRandomValues(new Uint8Array(32));
    const [badSig] = await tcpExchange(node.dnsPort, [
      await signed(buildQuery(ZONE, TYPE.AXFR), wrong),
    ], 1);
    assert.equal(badSig[3] & 0xf, RCODE.NOTAUTH);
    assert.equal(tsigError(badSig), RCODE.BADSIG);
    assert.equal((badSig[6] << 8) | badSig[7], 0);
    const [badKey] = await tcpExchange(node.dnsPort, [
      await signed(buildQuery(ZONE, TYPE.AXFR), SECRET, "nobody"),
    ], 1);
    assert.equal(badKey[3] & 0xf, RCODE.NOTAUTH);
    assert.equal(tsigError(badKey), RCODE.BADKEY);
    assert.equal((badKey[6] << 8) | badKey[7], 0);
  },
});

Deno.test({
  name: "a valid key is still REFUSED for a zone without a transfer policy",
  ...opts,
  async fn() {
    const [reply] = await tcpExchange(node.dnsPort, [
      await signed(buildQuery(CLOSED, TYPE.AXFR)),
    ], 1);
    assert.equal(reply[3] & 0xf, RCODE.REFUSED);
    assert.equal((reply[6] << 8) | reply[7], 0);
  },
});

for (const runtime of ["node", "deno"] as const) {
  Deno.test({
    name: `signed AXFR: several messages, each verified by kdig, SOA first and last [${runtime}]`,
    ...opts,
    async fn() {
      const port = (runtime === "node" ? node : denoNode).dnsPort;
      const r = await run("kdig", [
        "@127.0.0.1",
        "-p",
        String(port),
        "-y",
        `hmac-sha256:${KEY}:${encodeBase64(SECRET)}`,
        ZONE,
        "AXFR",
      ]);
      const text = r.stdout + r.stderr;
      assert.doesNotMatch(text, /;; (ERROR|WARNING)|failed/i, text);
      const m = /Received \d+ B \((\d+) messages, (\d+) records\)/.exec(text);
      assert.ok(m, text);
      assert.ok(Number(m[1]) > 1, `expected several messages: ${m[0]}`);
      // 800 TXT + NS + two SOA.
      assert.equal(Number(m[2]), 803);
      const rrs = text.split("\n").filter((l) => /^\S+\s+\d+\s+IN\s+/.test(l));
      assert.match(rrs[0], /\sSOA\s/);
      assert.match(rrs[rrs.length - 1], /\sSOA\s/);
    },
  });
}

Deno.test({
  name: "a replayed signed AXFR request is REFUSED",
  ...opts,
  async fn() {
    const request = await signed(buildQuery(ZONE, TYPE.AXFR, 0x777));
    const first = await tcpExchange(node.dnsPort, [request], 1);
    assert.equal(first[0][3] & 0xf, RCODE.NOERROR);
    const [again] = await tcpExchange(node.dnsPort, [request], 1);
    assert.equal(again[3] & 0xf, RCODE.REFUSED);
    assert.equal((again[6] << 8) | again[7], 0);
  },
});

Deno.test({
  name: "AXFR over UDP is REFUSED; IXFR over UDP gets our SOA alone",
  ...opts,
  async fn() {
    const axfr = await udpExchange(node.dnsPort, await signed(buildQuery(ZONE, TYPE.AXFR)));
    assert.ok(axfr);
    assert.equal(axfr[3] & 0xf, RCODE.REFUSED);
    const ixfr = await udpExchange(node.dnsPort, await signed(ixfrQuery(ZONE, 1)));
    assert.ok(ixfr);
    const d = decodeMessage(ixfr);
    assert.ok(d.ok);
    assert.equal(d.message.rcode, RCODE.NOERROR);
    assert.deepEqual(d.message.answers.map((rr) => rr.type), [TYPE.SOA]);
    // Unsigned IXFR is refused like AXFR: the policy wants the key.
    const open = await udpExchange(node.dnsPort, ixfrQuery(ZONE, 1));
    assert.ok(open);
    assert.equal(open[3] & 0xf, RCODE.REFUSED);
  },
});

Deno.test({
  name: "IXFR over TCP: a current client gets the SOA alone, an older one the whole zone",
  ...opts,
  async fn() {
    const soa = await dig(node.dnsPort, ZONE, "SOA");
    const serial = Number(soa.answer[0].data.split(" ")[2]);
    const [current] = await tcpExchange(node.dnsPort, [await signed(ixfrQuery(ZONE, serial))], 1);
    const c = decodeMessage(current);
    assert.ok(c.ok);
    assert.deepEqual(c.message.answers.map((rr) => rr.type), [TYPE.SOA]);
    const r = await run("kdig", [
      "@127.0.0.1",
      "-p",
      String(node.dnsPort),
      "-y",
      `hmac-sha256:${KEY}:${encodeBase64(SECRET)}`,
      ZONE,
      `IXFR=${serial - 1}`,
    ]);
    const m = /Received \d+ B \((\d+) messages, (\d+) records\)/.exec(r.stdout + r.stderr);
    assert.ok(m, r.stdout + r.stderr);
    assert.equal(Number(m[2]), 803);
  },
});

Deno.test({
  name: "NOTIFY for our zone is NOERROR, for another zone REFUSED",
  ...opts,
  async fn() {
    const ours = await dig(node.dnsPort, ZONE, "SOA", ["+opcode=notify"]);
    assert.equal(ours.status, "NOERROR");
    assert.ok(ours.flags.includes("aa"));
    const other = await dig(node.dnsPort, "elsewhere.test", "SOA", ["+opcode=notify"]);
    assert.equal(other.status, "REFUSED");
    const tcp = await dig(node.dnsPort, ZONE, "SOA", ["+opcode=notify", "+tcp"]);
    assert.equal(tcp.status, "NOERROR");
  },
});

Deno.test({
  name: "misdirected and malformed transfer requests get errors and no data",
  ...opts,
  async fn() {
    const rcodeOf = async (wire: Uint8Array) => {
      const [reply] = await tcpExchange(node.dnsPort, [wire], 1);
      assert.ok(reply);
      assert.equal((reply[6] << 8) | reply[7], 0, "no records");
      return reply[3] & 0xf;
    };
    // A name below the apex is not a zone we could transfer (RFC 5936 §2.2.1).
    assert.equal(await rcodeOf(await signed(buildQuery(`n1.${ZONE}`, TYPE.AXFR))), RCODE.NOTAUTH);
    assert.equal(await rcodeOf(await signed(buildQuery("unknown.test", TYPE.AXFR))), RCODE.NOTAUTH);
    // IXFR without the client's SOA in the authority section.
    assert.equal(await rcodeOf(await signed(buildQuery(ZONE, TYPE.IXFR))), RCODE.FORMERR);
    // Class CHAOS.
    const chaos = buildQuery(ZONE, TYPE.AXFR);
    chaos[chaos.length - 1] = CLASS.CH;
    assert.equal(await rcodeOf(await signed(chaos)), RCODE.REFUSED);
    // A NOTIFY signed with a wrong secret: NOTAUTH/BADSIG, unsigned.
    const notify = buildQuery(ZONE, TYPE.SOA);
    notify[2] = 4 << 3;
    const [bad] = await tcpExchange(node.dnsPort, [
      await signed(notify, crypto.getRandomValues(new Uint8Array(32))),
    ], 1);
    assert.equal(bad[3] & 0xf, RCODE.NOTAUTH);
    assert.equal(tsigError(bad), RCODE.BADSIG);
  },
});

Deno.test({
  name: "transfers are counted in dmp_zone_transfers_total by kind",
  ...opts,
  async fn() {
    const text = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
    const count = (kind: string) =>
      Number(
        new RegExp(`^dmp_zone_transfers_total\\{kind="${kind}"\\} (\\S+)$`, "m").exec(text)?.[1] ??
          0,
      );
    assert.ok(count("axfr") >= 2, text); // kdig's and the raw one
    assert.ok(count("soa") >= 2, text); // UDP IXFR and the current TCP client
    assert.ok(count("ixfr_full") >= 1, text);
    assert.match(text, /^dmp_dns_queries_total\{outcome="refused"\} /m);
  },
});

Deno.test({
  name: "teardown",
  ...opts,
  async fn() {
    await node.stop();
    await denoNode.stop();
    db.client.close();
  },
});
