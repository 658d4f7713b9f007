/**
 * RFC 2136 UPDATE with RFC 8945 TSIG against a running node, driven by the
 * real nsupdate and knsupdate; every case asserts the rcode and the store.
 * The cases marked [deno] run against a second node on Deno (its own UDP and
 * TCP transports, issue 15) serving the same database.
 */
import assert from "node:assert/strict";
import { readRecordsByName } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { tsigKey } from "../../packages/core/tsig/keyring.ts";
import { decodeMessage, encodeMessage } from "../../packages/core/wire/message.ts";
import { encodeTxtRdata } from "../../packages/core/wire/rdata.ts";
import { CLASS, RCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { readTsigRecord } from "../../packages/core/tsig/tsig_rdata.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import {
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { knsupdate, nsupdate } from "../_support/nsupdate.ts";
import { tcpExchange, udpExchange } from "../_support/raw_dns.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "upd.test";
const SEALING_KEY = "ab".repeat(32);
const now = () => Date.now() / 1000;

let node: NodeProcess;
let denoNode: NodeProcess;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const secrets: Record<string, Uint8Array> = {};
const keyArg = (name: string, alg = "hmac-sha256") =>
  `${alg}:${name}:${encodeBase64(secrets[name])}`;

async function values(name: string): Promise<string[]> {
  return (await readRecordsByName(db.client, [name], now())).filter((r) => r.type === "TXT").map((
    r,
  ) => r.value);
}

async function addKey(name: string, suffixes: string[], algorithm = "hmac-sha256"): Promise<void> {
  secrets[name] = crypto.getRandomValues(new Uint8Array(32));
  const box = await createSecretBox(SEALING_KEY);
  await putTsigKey(db.client, box, {
    name,
    algorithm,
    secret: secrets[name],
    allowedSuffixes: suffixes,
    subject: "",
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
}

Deno.test.beforeAll(async () => {
  db = await freshDatabase();
  await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  await upsertZone(db.client, { name: "other.test", apexNs: ["ns1.other.test"] }, now());
  await addKey("alice.upd.test", [`id-a1.${ZONE}`, `slot-*.mb-*.${ZONE}`, `chunk-*-*.${ZONE}`]);
  await addKey("operator.upd.test", [ZONE]);
  await addKey("sha512.upd.test", [`id-a1.${ZONE}`], "hmac-sha512");
  const env = {
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: SEALING_KEY,
    DMP_MAX_VALUES_PER_NAME: "4",
    DMP_MAX_TTL: "3600",
    DMP_MAX_VALUE_BYTES: "2048",
  };
  node = await startNodeProcess({ dbUrl: db.url, dir: db.dir, env });
  denoNode = await startNodeProcess({ dbUrl: db.url, dir: db.dir, env, runtime: "deno" });
});

Deno.test({
  name: "signed add is applied, answered at once, and the answer is signed",
  ...opts,
  async fn() {
    const r = await nsupdate(node.dnsPort, ZONE, [
      `update add id-a1.${ZONE} 300 TXT "v=dmp1;t=identity;d=x"`,
    ], {
      key: keyArg("alice.upd.test"),
    });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(await values(`id-a1.${ZONE}`), ["v=dmp1;t=identity;d=x"]);
    // Read your writes: the node answers its own write without waiting for a sync tick.
    const d = await dig(node.dnsPort, `id-a1.${ZONE}`, "TXT");
    assert.equal(txtJoin(d.answer[0].data), "v=dmp1;t=identity;d=x");
  },
});

Deno.test({
  name: "hmac-sha512 keys and knsupdate work too",
  ...opts,
  async fn() {
    const r = await nsupdate(
      node.dnsPort,
      ZONE,
      [`update add id-a1.${ZONE} 300 TXT "from-sha512"`],
      {
        key: keyArg("sha512.upd.test", "hmac-sha512"),
      },
    );
    assert.equal(r.code, 0, r.output);
    const k = await knsupdate(
      node.dnsPort,
      ZONE,
      [`update add id-a1.${ZONE} 300 TXT "from-knot"`],
      keyArg("alice.upd.test"),
    );
    assert.equal(k.code, 0, k.output);
    assert.ok((await values(`id-a1.${ZONE}`)).includes("from-knot"));
  },
});

Deno.test({
  name: "delete one value, then the whole RRset; deleting an absent value is a NOERROR no-op",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update delete id-a1.${ZONE} TXT "from-knot"`], { key }))
        .code,
      0,
    );
    assert.ok(!(await values(`id-a1.${ZONE}`)).includes("from-knot"));
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update delete id-a1.${ZONE} TXT "never-there"`], {
        key,
      })).code,
      0,
    );
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update delete id-a1.${ZONE} TXT`], { key })).code,
      0,
    );
    assert.deepEqual(await values(`id-a1.${ZONE}`), []);
    assert.equal((await dig(node.dnsPort, `id-a1.${ZONE}`, "TXT")).status, "NXDOMAIN");
  },
});

Deno.test({
  name: "prerequisites (RFC 2136 §3.2): NXDOMAIN, YXDOMAIN, NXRRSET, YXRRSET, value-dependent",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    const n = `slot-1.mb-aaaaaaaaaaaa.${ZONE}`;
    const cases: [string[], string][] = [
      [[`prereq yxdomain ${n}`, `update add ${n} 300 TXT "a"`], "NXDOMAIN"],
      [[`prereq yxrrset ${n} TXT`, `update add ${n} 300 TXT "a"`], "NXRRSET"],
      [[`prereq nxdomain ${n}`, `update add ${n} 300 TXT "a"`], ""],
      [[`prereq nxdomain ${n}`, `update add ${n} 300 TXT "b"`], "YXDOMAIN"],
      [[`prereq nxrrset ${n} TXT`, `update add ${n} 300 TXT "b"`], "YXRRSET"],
      [[`prereq yxrrset ${n} TXT "zzz"`, `update add ${n} 300 TXT "b"`], "NXRRSET"],
      [[`prereq yxrrset ${n} TXT "a"`, `update add ${n} 300 TXT "b"`], ""],
    ];
    for (const [lines, expected] of cases) {
      const r = await nsupdate(node.dnsPort, ZONE, lines, { key });
      assert.equal(r.error, expected, `${lines.join(" / ")}: ${r.output}`);
    }
    assert.deepEqual(await values(n), ["a", "b"]);
  },
});

Deno.test({
  name: "scope: out-of-scope owner REFUSED and nothing written; wildcard scopes cannot delete",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    const r = await nsupdate(node.dnsPort, ZONE, [
      `update add id-a1.${ZONE} 300 TXT "in-scope"`,
      `update add dmp.${ZONE} 300 TXT "out-of-scope"`,
    ], { key });
    assert.equal(r.error, "REFUSED");
    assert.deepEqual(await values(`id-a1.${ZONE}`), [], "all or nothing");
    const del = await nsupdate(node.dnsPort, ZONE, [
      `update delete slot-1.mb-aaaaaaaaaaaa.${ZONE} TXT`,
    ], { key });
    assert.equal(del.error, "REFUSED");
    assert.equal((await values(`slot-1.mb-aaaaaaaaaaaa.${ZONE}`)).length, 2);
  },
});

Deno.test({
  name: "owner outside the zone → NOTZONE; zone we do not serve → NOTAUTH",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update add x.example.org 300 TXT "x"`], { key })).error,
      "NOTZONE",
    );
    assert.equal(
      (await nsupdate(node.dnsPort, "example.org", [`update add x.example.org 300 TXT "x"`], {
        key,
      })).error,
      "NOTAUTH",
    );
  },
});

Deno.test({
  name: "unknown key → NOTAUTH(BADKEY), wrong secret → NOTAUTH(BADSIG), unsigned → REFUSED",
  ...opts,
  async fn() {
    const zero = encodeBase64(new Uint8Array(32));
    const bad = await nsupdate(node.dnsPort, ZONE, [`update add id-a1.${ZONE} 300 TXT "x"`], {
      key: `hmac-sha256:nobody.upd.test:${zero}`,
    });
    assert.equal(bad.error, "NOTAUTH(BADKEY)", bad.output);
    const sig = await nsupdate(node.dnsPort, ZONE, [`update add id-a1.${ZONE} 300 TXT "x"`], {
      key: `hmac-sha256:alice.upd.test:${zero}`,
    });
    assert.equal(sig.error, "NOTAUTH(BADSIG)", sig.output);
    const unsigned = await nsupdate(node.dnsPort, ZONE, [`update add id-a1.${ZONE} 300 TXT "x"`]);
    assert.equal(unsigned.error, "REFUSED");
    assert.deepEqual(await values(`id-a1.${ZONE}`), []);
  },
});

async function signedUpdate(
  keyName: string,
  timeSigned: number,
  value: string,
  id = 7,
): Promise<Uint8Array> {
  const wire = encodeMessage({
    id,
    flags: 0,
    opcode: 5,
    rcode: 0,
    questions: [{ name: ZONE, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authorities: [{
      name: `id-a1.${ZONE}`,
      type: TYPE.TXT,
      class: CLASS.IN,
      ttl: 300,
      rdata: encodeTxtRdata(value),
    }],
    additionals: [],
  });
  return (await signRequest(wire, {
    key: tsigKey(keyName, "hmac-sha256", secrets[keyName]),
    now: timeSigned,
  })).wire;
}

Deno.test({
  name: "clock skew beyond the fudge → NOTAUTH with TSIG error BADTIME and the server time",
  ...opts,
  async fn() {
    const reply = await udpExchange(
      node.dnsPort,
      await signedUpdate("alice.upd.test", Math.floor(now()) - 3600, "skewed"),
    );
    assert.ok(reply);
    const m = decodeMessage(reply);
    assert.ok(m.ok);
    assert.equal(m.message.rcode, RCODE.NOTAUTH);
    assert.equal(m.message.questions[0].name, ZONE, "question echoed (RFC 8945 §5.3.2)");
    const tsig = readTsigRecord(reply, m.message.tsigOffset!);
    assert.ok(tsig.ok);
    assert.equal(tsig.record.rdata.error, RCODE.BADTIME);
    assert.equal(tsig.record.rdata.otherData.length, 6);
    assert.deepEqual(await values(`id-a1.${ZONE}`), []);
  },
});

Deno.test({
  name: "a replayed message is not applied twice: the retransmit gets the same answer",
  ...opts,
  async fn() {
    const msg = await signedUpdate("alice.upd.test", Math.floor(now()), "once");
    const first = await udpExchange(node.dnsPort, msg);
    assert.ok(first && (first[3] & 0xf) === RCODE.NOERROR);
    await nsupdate(node.dnsPort, ZONE, [`update delete id-a1.${ZONE} TXT "once"`], {
      key: keyArg("alice.upd.test"),
    });
    const again = await udpExchange(node.dnsPort, msg);
    assert.deepEqual(again, first, "identical answer");
    assert.deepEqual(await values(`id-a1.${ZONE}`), [], "the replay did not write again");
  },
});

Deno.test({
  name:
    "caps: oversize value, TTL over DMP_MAX_TTL, too many values (also across messages) → REFUSED",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    const big = "x".repeat(2049);
    const n = `chunk-0001-abcdef.${ZONE}`;
    const parts = big.match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ");
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update add ${n} 300 TXT ${parts}`], { key, tcp: true }))
        .error,
      "REFUSED",
    );
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update add ${n} 7200 TXT "ttl"`], { key })).error,
      "REFUSED",
    );
    const five = [1, 2, 3, 4, 5].map((i) => `update add ${n} 300 TXT "v${i}"`);
    assert.equal((await nsupdate(node.dnsPort, ZONE, five, { key })).error, "REFUSED");
    assert.deepEqual(await values(n), []);
    assert.equal((await nsupdate(node.dnsPort, ZONE, five.slice(0, 3), { key })).code, 0);
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, five.slice(3), { key })).error,
      "REFUSED",
      "cumulative",
    );
    assert.equal((await nsupdate(node.dnsPort, ZONE, five.slice(3, 4), { key })).code, 0);
    assert.equal((await values(n)).length, 4);
  },
});

Deno.test({
  name: "a 2048-byte value over TCP UPDATE is served back intact over TCP",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    const value = Array.from({ length: 2048 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(
      "",
    );
    const parts = value.match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ");
    const n = `slot-2.mb-bbbbbbbbbbbb.${ZONE}`;
    const r = await nsupdate(node.dnsPort, ZONE, [`update add ${n} 300 TXT ${parts}`], {
      key,
      tcp: true,
    });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(await values(n), [value]);
    const d = await dig(node.dnsPort, n, "TXT", ["+tcp"]);
    assert.equal(txtJoin(d.answer[0].data), value);
  },
});

Deno.test({
  name: "a zone-wide key may write A/AAAA/MX/CAA; a user key may not",
  ...opts,
  async fn() {
    const op = keyArg("operator.upd.test");
    const r = await nsupdate(node.dnsPort, ZONE, [
      `update add www.${ZONE} 300 A 192.0.2.7`,
      `update add www.${ZONE} 300 AAAA 2001:db8::7`,
      `update add ${ZONE} 300 MX 10 mail.${ZONE}`,
      `update add ${ZONE} 300 CAA 0 issue "letsencrypt.org"`,
      `update add _acme-challenge.${ZONE} 60 TXT "token"`,
    ], { key: op });
    assert.equal(r.code, 0, r.output);
    assert.equal((await dig(node.dnsPort, `www.${ZONE}`, "A")).answer[0]?.data, "192.0.2.7");
    assert.equal((await dig(node.dnsPort, ZONE, "MX")).answer[0]?.data, `10 mail.${ZONE}.`);
    const user = await nsupdate(node.dnsPort, ZONE, [`update add id-a1.${ZONE} 300 A 192.0.2.8`], {
      key: keyArg("alice.upd.test"),
    });
    assert.equal(user.error, "REFUSED");
  },
});

Deno.test({
  name: "a signed query is answered and signed (dig -y verifies it)",
  ...opts,
  async fn() {
    const d = await dig(node.dnsPort, `www.${ZONE}`, "A", ["-y", keyArg("alice.upd.test")]);
    assert.equal(d.status, "NOERROR", d.raw + node.logs().slice(-1500));
    assert.doesNotMatch(d.raw, /Couldn't verify|tsig verify failure|expected a TSIG/i);
    assert.match(d.raw, /TSIG PSEUDOSECTION/);
  },
});

Deno.test({
  name: "UPDATE over raw TCP with a UDP-sized 700+ byte message",
  ...opts,
  async fn() {
    const replies = await tcpExchange(node.dnsPort, [
      await signedUpdate("alice.upd.test", Math.floor(now()), "t".repeat(700), 9),
    ], 1);
    assert.equal(replies.length, 1);
    assert.equal(replies[0][3] & 0xf, RCODE.NOERROR);
    assert.ok((await values(`id-a1.${ZONE}`)).includes("t".repeat(700)));
    const udp = await udpExchange(
      node.dnsPort,
      await signedUpdate("alice.upd.test", Math.floor(now()), "u".repeat(700), 10),
    );
    assert.equal(udp![3] & 0xf, RCODE.NOERROR);
  },
});

Deno.test({
  name: "two processes racing on one name keep DMP_MAX_VALUES_PER_NAME",
  ...opts,
  async fn() {
    const key = keyArg("alice.upd.test");
    const n = `chunk-0002-race.${ZONE}`;
    const other = await startNodeProcess({
      dbUrl: db.url,
      env: {
        DMP_DNS_UPDATE_ENABLED: "1",
        DMP_TSIG_SECRET_KEY: SEALING_KEY,
        DMP_MAX_VALUES_PER_NAME: "4",
      },
    });
    try {
      const jobs = [];
      for (let i = 0; i < 8; i++) {
        const port = i % 2 === 0 ? node.dnsPort : other.dnsPort;
        jobs.push(nsupdate(port, ZONE, [`update add ${n} 300 TXT "r${i}"`], { key }));
      }
      const results = await Promise.all(jobs);
      // Eight adds race for four places: exactly four win and the other four
      // are clean REFUSEDs (a node that refused everything passed before).
      const outcome = results.map((r, i) => `r${i}:${r.code === 0 ? "NOERROR" : r.error}`);
      const won = results.flatMap((r, i) => r.code === 0 ? [`r${i}`] : []);
      assert.equal(won.length, 4, outcome.join(" "));
      assert.deepEqual(
        results.filter((r) => r.code !== 0).map((r) => r.error),
        ["REFUSED", "REFUSED", "REFUSED", "REFUSED"],
        outcome.join(" "),
      );
      assert.deepEqual((await values(n)).sort(), won.sort(), "every NOERROR is stored, no refusal");
    } finally {
      await other.stop();
    }
  },
});

Deno.test({
  name: "a revoked key stops working within one sync interval",
  ...opts,
  async fn() {
    const { revokeTsigKey } = await import("../../packages/core/store/tsig_keys.ts");
    await revokeTsigKey(db.client, "sha512.upd.test", now());
    assert.ok(
      await waitFor(async () => {
        const r = await nsupdate(node.dnsPort, ZONE, [
          `update add id-a1.${ZONE} 300 TXT "after-revoke"`,
        ], {
          key: keyArg("sha512.upd.test", "hmac-sha512"),
        });
        return r.error === "NOTAUTH(BADKEY)";
      }, 5000),
    );
  },
});

Deno.test({
  name: "[deno] signed add over UDP is applied and answered at once by the Deno node",
  ...opts,
  async fn() {
    const n = `slot-1.mb-deno00000001.${ZONE}`;
    const r = await nsupdate(denoNode.dnsPort, ZONE, [`update add ${n} 300 TXT "via-deno"`], {
      key: keyArg("alice.upd.test"),
    });
    assert.equal(r.code, 0, r.output + denoNode.logs().slice(-1500));
    assert.deepEqual(await values(n), ["via-deno"]);
    const d = await dig(denoNode.dnsPort, n, "TXT");
    assert.equal(txtJoin(d.answer[0].data), "via-deno");
  },
});

Deno.test({
  name: "[deno] a 2048-byte value over TCP UPDATE (knsupdate) is served back over TCP",
  ...opts,
  async fn() {
    const value = "d".repeat(2048);
    const parts = value.match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ");
    const n = `slot-2.mb-deno00000002.${ZONE}`;
    const r = await nsupdate(denoNode.dnsPort, ZONE, [`update add ${n} 300 TXT ${parts}`], {
      key: keyArg("alice.upd.test"),
      tcp: true,
    });
    assert.equal(r.code, 0, r.output);
    const k = await knsupdate(
      denoNode.dnsPort,
      ZONE,
      [`update add ${n} 300 TXT "from-knot"`],
      keyArg("alice.upd.test"),
    );
    assert.equal(k.code, 0, k.output);
    assert.deepEqual((await values(n)).sort(), ["from-knot", value].sort());
    const d = await dig(denoNode.dnsPort, n, "TXT", ["+tcp"]);
    assert.ok(d.answer.some((a) => txtJoin(a.data) === value), d.raw.slice(0, 500));
  },
});

Deno.test({
  name: "[deno] wrong secret → NOTAUTH(BADSIG), unsigned → REFUSED, and nothing is written",
  ...opts,
  async fn() {
    const n = `slot-3.mb-deno00000003.${ZONE}`;
    const forged = `hmac-sha256:alice.upd.test:${encodeBase64(new Uint8Array(32).fill(7))}`;
    const bad = await nsupdate(denoNode.dnsPort, ZONE, [`update add ${n} 300 TXT "x"`], {
      key: forged,
    });
    assert.equal(bad.error, "NOTAUTH(BADSIG)", bad.output);
    const unsigned = await nsupdate(denoNode.dnsPort, ZONE, [`update add ${n} 300 TXT "x"`]);
    assert.equal(unsigned.error, "REFUSED", unsigned.output);
    assert.deepEqual(await values(n), []);
  },
});

Deno.test.afterAll(async () => {
  if (node) assert.equal(await node.stop(), 0, node.logs().slice(-2000));
  if (denoNode) assert.equal(await denoNode.stop(), 0, denoNode.logs().slice(-2000));
  db?.client.close();
});
