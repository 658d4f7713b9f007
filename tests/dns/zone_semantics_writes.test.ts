/**
 * Wildcards and zone cuts written at run time over RFC 2136 UPDATE (real
 * nsupdate) are served as such by a running node: the journal patch puts a
 * wildcard into synthesis and a new cut into referrals (and its names out of
 * the answer table), and a user key cannot plant a wildcard over names it
 * does not own.
 */
import assert from "node:assert/strict";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { createSecretBox } from "../../packages/core/store/secret_box.ts";
import { putTsigKey } from "../../packages/core/store/tsig_keys.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import {
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ZONE = "sem.test";
const SEALING_KEY = "cd".repeat(32);
const secrets: Record<string, Uint8Array> = {};
const keyArg = (name: string) => `hmac-sha256:${name}:${encodeBase64(secrets[name])}`;
let node: NodeProcess;

Deno.test.beforeAll(async () => {
  const db = await freshDatabase();
  const now = Date.now() / 1000;
  await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now);
  const box = await createSecretBox(SEALING_KEY);
  for (
    const [name, suffixes] of [["op.sem.test", [ZONE]], ["user.sem.test", [
      `id-u.${ZONE}`,
    ]]] as const
  ) {
    secrets[name] = crypto.getRandomValues(new Uint8Array(32));
    await putTsigKey(db.client, box, {
      name,
      algorithm: "hmac-sha256",
      secret: secrets[name],
      allowedSuffixes: [...suffixes],
      subject: "",
      registeredSpk: "",
      registeredX25519Pub: "",
      expiresAt: 0,
    }, now);
  }
  db.client.close();
  node = await startNodeProcess({
    dbUrl: db.url,
    dir: db.dir,
    env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_TSIG_SECRET_KEY: SEALING_KEY },
  });
});

Deno.test({
  name: "a wildcard added by UPDATE synthesizes answers under the query name (RFC 4592)",
  ...opts,
  async fn() {
    assert.equal((await dig(node.dnsPort, `foo.w.${ZONE}`, "A")).status, "NXDOMAIN", "before");
    const r = await nsupdate(node.dnsPort, ZONE, [`update add *.w.${ZONE} 300 A 192.0.2.7`], {
      key: keyArg("op.sem.test"),
    });
    assert.equal(r.code, 0, r.output);
    let d = await dig(node.dnsPort, `foo.w.${ZONE}`, "A");
    assert.ok(
      await waitFor(async () =>
        (d = await dig(node.dnsPort, `foo.w.${ZONE}`, "A")).answer.length > 0
      ),
      d.raw,
    );
    assert.deepEqual(d.answer.map((a) => [a.name, a.type, a.data]), [[
      `foo.w.${ZONE}.`,
      "A",
      "192.0.2.7",
    ]]);
    assert.ok(d.flags.includes("aa"));
    assert.equal(
      (await dig(node.dnsPort, `foo.w.${ZONE}`, "TXT")).status,
      "NOERROR",
      "wildcard NODATA",
    );
  },
});

Deno.test({
  name: "a user key cannot plant a wildcard over names outside its scope",
  ...opts,
  async fn() {
    const r = await nsupdate(node.dnsPort, ZONE, [`update add *.${ZONE} 300 TXT "mine"`], {
      key: keyArg("user.sem.test"),
    });
    assert.equal(r.error, "REFUSED", r.output);
    assert.equal((await dig(node.dnsPort, `victim.${ZONE}`, "TXT")).status, "NXDOMAIN");
  },
});

Deno.test({
  name: "a delegation added by UPDATE turns names below it into referrals; removing it undoes that",
  ...opts,
  async fn() {
    const key = { key: keyArg("op.sem.test") };
    assert.equal(
      (await nsupdate(node.dnsPort, ZONE, [`update add host.sub.${ZONE} 300 A 192.0.2.20`], key))
        .code,
      0,
    );
    let d = await dig(node.dnsPort, `host.sub.${ZONE}`, "A");
    assert.ok(
      await waitFor(async () =>
        (d = await dig(node.dnsPort, `host.sub.${ZONE}`, "A")).answer.length === 1
      ),
    );
    assert.ok(d.flags.includes("aa"), "our data before the cut exists");
    const add = await nsupdate(node.dnsPort, ZONE, [
      `update add sub.${ZONE} 300 NS ns1.sub.${ZONE}`,
      `update add ns1.sub.${ZONE} 300 A 192.0.2.53`,
    ], key);
    assert.equal(add.code, 0, add.output);
    assert.ok(
      await waitFor(async () =>
        (d = await dig(node.dnsPort, `host.sub.${ZONE}`, "A")).authority.length > 0
      ),
      d.raw,
    );
    assert.equal(d.status, "NOERROR");
    assert.ok(!d.flags.includes("aa"), "a referral is not authoritative");
    assert.deepEqual(d.answer, [], "data below the cut is not served as ours");
    assert.deepEqual(d.authority.map((a) => [a.name, a.type, a.data]), [[
      `sub.${ZONE}.`,
      "NS",
      `ns1.sub.${ZONE}.`,
    ]]);
    assert.deepEqual(d.additional.map((a) => [a.name, a.type, a.data]), [[
      `ns1.sub.${ZONE}.`,
      "A",
      "192.0.2.53",
    ]]);
    const del = await nsupdate(node.dnsPort, ZONE, [`update delete sub.${ZONE} NS`], key);
    assert.equal(del.code, 0, del.output);
    assert.ok(
      await waitFor(async () =>
        (d = await dig(node.dnsPort, `host.sub.${ZONE}`, "A")).answer.length === 1
      ),
      d.raw,
    );
    assert.ok(d.flags.includes("aa"));
  },
});

Deno.test.afterAll(async () => {
  await node?.stop();
});
