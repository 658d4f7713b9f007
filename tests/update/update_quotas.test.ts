/**
 * Issue 12 finding 9: one self-registered key wrote 16,000 records in 9 s.
 * Quotas on what UPDATE writers hold live (records and bytes per key and per
 * registered user, values per key at a shared name) and on the message
 * (bytes, RR count), enforced in the write transaction and REFUSED with a log
 * line; driven by the real nsupdate and knsupdate against a real node.
 */
import assert from "node:assert/strict";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { run } from "../_support/dig.ts";
import { freshDatabase, type NodeProcess, startNodeProcess } from "../_support/node_process.ts";
import { knsupdate, nsupdate, nsupdateRace } from "../_support/nsupdate.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "quota.test";
const SEALING_KEY = "ef".repeat(32);
const now = () => Date.now() / 1000;

let node: NodeProcess;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const secrets: Record<string, Uint8Array> = {};
const keyArg = (name: string) => `hmac-sha256:${name}:${encodeBase64(secrets[name])}`;

async function addKey(name: string, subject: string, suffixes: string[]): Promise<void> {
  secrets[name] = crypto.getRandomValues(new Uint8Array(32));
  await putTsigKey(db.client, await createSecretBox(SEALING_KEY), {
    name,
    algorithm: "hmac-sha256",
    secret: secrets[name],
    allowedSuffixes: suffixes,
    subject,
    registeredSpk: "",
    registeredX25519Pub: "",
    expiresAt: 0,
  }, now());
}

/** Live rows written by `key` (the store, not the node's view). */
async function rowsOf(key: string): Promise<{ name: string; value: string; expires: number }[]> {
  const r = await db.client.execute({
    sql: "SELECT name, value, expires_at FROM records WHERE writer_key = ? ORDER BY id",
    args: [key],
  });
  return Array.from(r.rows, (x) => ({
    name: String(x.name),
    value: String(x.value),
    expires: Number(x.expires_at),
  }));
}

const USER_SCOPE = [`chunk-*-*.${ZONE}`, `slot-*.mb-*.${ZONE}`];

Deno.test.beforeAll(async () => {
  db = await freshDatabase();
  await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  await addKey(`alice1.${ZONE}`, "alice@quota.test", USER_SCOPE);
  await addKey(`alice2.${ZONE}`, "alice@quota.test", USER_SCOPE);
  await addKey(`bob.${ZONE}`, "bob@quota.test", USER_SCOPE);
  await addKey(`carol.${ZONE}`, "carol@quota.test", USER_SCOPE);
  await addKey(`dave.${ZONE}`, "dave@quota.test", USER_SCOPE);
  await addKey(`operator.${ZONE}`, "", [ZONE]);
  await addKey(`erin.${ZONE}`, "erin@quota.test", USER_SCOPE);
  node = await startNodeProcess({ dbUrl: db.url, dir: db.dir, env: NODE_ENV });
});

const NODE_ENV = {
  DMP_DNS_UPDATE_ENABLED: "1",
  DMP_TSIG_SECRET_KEY: SEALING_KEY,
  DMP_QUOTA_RECORDS_PER_KEY: "5",
  DMP_QUOTA_BYTES_PER_KEY: "3000",
  DMP_QUOTA_RECORDS_PER_USER: "8",
  DMP_QUOTA_BYTES_PER_USER: "100000",
  DMP_MAX_VALUES_PER_KEY_PER_NAME: "3",
  DMP_UPDATE_MAX_RRS: "10",
  DMP_UPDATE_MAX_BYTES: "4096",
};

Deno.test({
  name: "records per key: a flood in one message and message by message stops at the quota",
  ...opts,
  async fn() {
    const key = keyArg(`alice1.${ZONE}`);
    const flood = Array.from(
      { length: 8 },
      (_, i) => `update add chunk-000${i}-flood.${ZONE} 300 TXT "f${i}"`,
    );
    const r = await nsupdate(node.dnsPort, ZONE, flood, { key });
    assert.equal(r.error, "REFUSED", r.output);
    assert.deepEqual(await rowsOf(`alice1.${ZONE}`), [], "all or nothing");
    for (let i = 0; i < 5; i++) {
      const ok = await nsupdate(node.dnsPort, ZONE, [
        `update add chunk-000${i}-seq.${ZONE} 300 TXT "s${i}"`,
      ], { key });
      assert.equal(ok.code, 0, ok.output);
    }
    const over = await nsupdate(node.dnsPort, ZONE, [
      `update add chunk-0005-seq.${ZONE} 300 TXT "s5"`,
    ], { key });
    assert.equal(over.error, "REFUSED");
    const knot = await knsupdate(node.dnsPort, ZONE, [
      `update add chunk-0006-seq.${ZONE} 300 TXT "s6"`,
    ], key);
    assert.notEqual(knot.code, 0, knot.output);
    assert.match(knot.output, /REFUSED/);
    assert.equal((await rowsOf(`alice1.${ZONE}`)).length, 5);
    // Refreshing a value the key already holds adds nothing, so it is allowed at the quota.
    const refresh = await nsupdate(node.dnsPort, ZONE, [
      `update add chunk-0000-seq.${ZONE} 300 TXT "s0"`,
    ], { key });
    assert.equal(refresh.code, 0, refresh.output);
    const logs = node.logs();
    assert.match(
      logs,
      /UPDATE refused: quota DMP_QUOTA_RECORDS_PER_KEY reached.*alice1\.quota\.test/,
    );
    assert.ok(!logs.includes(encodeBase64(secrets[`alice1.${ZONE}`])), "no secret in the logs");
  },
});

Deno.test({
  name: "records per user: a second key of the same subject gets what is left of the user's quota",
  ...opts,
  async fn() {
    const key = keyArg(`alice2.${ZONE}`);
    for (let i = 0; i < 3; i++) {
      const ok = await nsupdate(node.dnsPort, ZONE, [
        `update add chunk-010${i}-two.${ZONE} 300 TXT "t${i}"`,
      ], { key });
      assert.equal(ok.code, 0, ok.output);
    }
    const over = await nsupdate(node.dnsPort, ZONE, [
      `update add chunk-0103-two.${ZONE} 300 TXT "t3"`,
    ], { key });
    assert.equal(over.error, "REFUSED");
    assert.equal((await rowsOf(`alice2.${ZONE}`)).length, 3);
    assert.match(node.logs(), /quota DMP_QUOTA_RECORDS_PER_USER reached.*alice2\.quota\.test/);
  },
});

Deno.test({
  name: "values per key at a shared name: one sender cannot fill a mailbox slot for the others",
  ...opts,
  async fn() {
    const slot = `slot-1.mb-aaaaaaaaaaaa.${ZONE}`;
    const bob = keyArg(`bob.${ZONE}`);
    for (let i = 0; i < 3; i++) {
      const ok = await nsupdate(node.dnsPort, ZONE, [`update add ${slot} 300 TXT "b${i}"`], {
        key: bob,
      });
      assert.equal(ok.code, 0, ok.output);
    }
    const over = await nsupdate(node.dnsPort, ZONE, [`update add ${slot} 300 TXT "b3"`], {
      key: bob,
    });
    assert.equal(over.error, "REFUSED");
    assert.match(node.logs(), /quota DMP_MAX_VALUES_PER_KEY_PER_NAME reached.*bob\.quota\.test/);
    const carol = await nsupdate(node.dnsPort, ZONE, [`update add ${slot} 300 TXT "c0"`], {
      key: keyArg(`carol.${ZONE}`),
    });
    assert.equal(carol.code, 0, "another sender still writes to the slot");
    const r = await db.client.execute({
      sql: "SELECT count(*) AS n FROM records WHERE name = ?",
      args: [slot],
    });
    assert.equal(Number(r.rows[0].n), 4);
  },
});

Deno.test({
  name: "bytes per key: values stop at DMP_QUOTA_BYTES_PER_KEY",
  ...opts,
  async fn() {
    const key = keyArg(`dave.${ZONE}`);
    const value = (c: string) => c.repeat(1400).match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ");
    for (const c of ["a", "b"]) {
      const ok = await nsupdate(node.dnsPort, ZONE, [
        `update add chunk-0200-${c}.${ZONE} 300 TXT ${value(c)}`,
      ], { key, tcp: true });
      assert.equal(ok.code, 0, ok.output);
    }
    const over = await nsupdate(node.dnsPort, ZONE, [
      `update add chunk-0200-c.${ZONE} 300 TXT ${value("c")}`,
    ], { key, tcp: true });
    assert.equal(over.error, "REFUSED");
    assert.equal((await rowsOf(`dave.${ZONE}`)).length, 2);
    assert.match(node.logs(), /quota DMP_QUOTA_BYTES_PER_KEY reached.*dave\.quota\.test/);
  },
});

Deno.test({
  name: "message limits: more than DMP_UPDATE_MAX_RRS records or DMP_UPDATE_MAX_BYTES → REFUSED",
  ...opts,
  async fn() {
    const key = keyArg(`operator.${ZONE}`);
    const adds = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => `update add op-${tag}-${i}.${ZONE} 300 TXT "v${i}"`);
    const many = await nsupdate(node.dnsPort, ZONE, adds(11, "many"), { key });
    assert.equal(many.error, "REFUSED");
    assert.match(node.logs(), /message exceeds DMP_UPDATE_MAX_RRS/);
    const big = Array.from(
      { length: 3 },
      (_, i) =>
        `update add op-big-${i}.${ZONE} 300 TXT ${
          "x".repeat(1500).match(/.{1,255}/g)!.map((p) => `"${p}"`).join(" ")
        }`,
    );
    const large = await nsupdate(node.dnsPort, ZONE, big, { key, tcp: true });
    assert.equal(large.error, "REFUSED");
    assert.match(node.logs(), /message exceeds DMP_UPDATE_MAX_BYTES/);
    assert.deepEqual(await rowsOf(`operator.${ZONE}`), [], "nothing written");
    // A zone-wide key counts against no quota (10 records > 5 per key), and its writes are
    // ordinary zone data that never expire, where a user key's values live for their TTL.
    const ten = await nsupdate(node.dnsPort, ZONE, adds(10, "ok"), { key });
    assert.equal(ten.code, 0, ten.output);
    const rows = await rowsOf(`operator.${ZONE}`);
    assert.equal(rows.length, 10);
    assert.ok(rows.every((r) => r.expires === 0));
    assert.ok((await rowsOf(`bob.${ZONE}`)).every((r) => r.expires > now()));
  },
});

Deno.test({
  name: "the reported flood: one nsupdate process sending 40 UPDATEs lands only the quota",
  ...opts,
  async fn() {
    const lines = [`server 127.0.0.1 ${node.dnsPort}`, `zone ${ZONE}`];
    for (let i = 0; i < 40; i++) {
      lines.push(`update add chunk-${String(i).padStart(4, "0")}-burst.${ZONE} 300 TXT "x${i}"`);
      lines.push("send");
    }
    await run("nsupdate", ["-t", "4", "-y", keyArg(`carol.${ZONE}`)], {
      stdin: lines.join("\n") + "\n",
      timeoutMs: 30000,
    });
    // carol already holds one slot value: 4 more reach DMP_QUOTA_RECORDS_PER_KEY (5).
    assert.equal((await rowsOf(`carol.${ZONE}`)).length, 5);
  },
});

Deno.test({
  name: "ten racing nsupdate processes at two nodes with one key: exactly the quota lands",
  ...opts,
  async fn() {
    const other = await startNodeProcess({ dbUrl: db.url, env: NODE_ENV });
    try {
      const results = await nsupdateRace(
        Array.from({ length: 10 }, (_, i) => ({
          port: i % 2 === 0 ? node.dnsPort : other.dnsPort,
          zone: ZONE,
          lines: [`update add chunk-03${String(i).padStart(2, "0")}-race.${ZONE} 300 TXT "r${i}"`],
        })),
        keyArg(`erin.${ZONE}`),
      );
      const ok = results.filter((r) => r.code === 0).length;
      assert.equal(ok, 5, results.map((r) => r.error || "ok").join(", "));
      assert.equal(results.filter((r) => r.error === "REFUSED").length, 5);
      assert.equal((await rowsOf(`erin.${ZONE}`)).length, 5);
    } finally {
      await other.stop();
    }
  },
});

Deno.test.afterAll(async () => {
  // Tolerates a partial setup; a node that does not stop cleanly fails the module.
  if (node) assert.equal(await node.stop(), 0);
  db?.client.close();
});
