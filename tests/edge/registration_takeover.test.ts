/**
 * Regression tests for issue 12 findings 1–3 (registration takeovers),
 * replayed against real processes: sqld, an edge on Deno, a udp-node with
 * UPDATE on the same store, the real `nsupdate` and `dig`. Every attack is
 * the one the issue reported; each now ends in 409 (no credential) or 401,
 * and the victim's records and credential keep working.
 *
 * The rule under test is `packages/core/registration/name_ownership.ts`: a
 * registration claims the names derived from its subject, whichever route
 * minted it, and no two Ed25519 keys hold one claim.
 */

import assert from "node:assert/strict";
import { dig, txtJoin } from "../_support/dig.ts";
import { type EdgeProcess, startEdge } from "../_support/edge_process.ts";
import { type NodeProcess, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { newIdentity, register, toHex } from "./_client.ts";
import { asOperator, BASE_ENV, nextIp, TSIG_SECRET_KEY, uniq, ZONE } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

let sqld: SqldProcess;
let edge: EdgeProcess;
let node: NodeProcess;

function keyArg(name: string, secretHex: string): string {
  const bytes = Uint8Array.from(secretHex.match(/../g) ?? [], (h) => parseInt(h, 16));
  return `hmac-sha256:${name}:${btoa(String.fromCharCode(...bytes))}`;
}

async function h16(s: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return toHex(new Uint8Array(d)).slice(0, 16);
}

/** nsupdate with a freshly minted key, retried until the node has loaded it (bounded). */
async function updateWithNewKey(key: string, lines: string[]) {
  let last = { code: -1, error: "", output: "" };
  const ok = await waitFor(async () => {
    last = await nsupdate(node.dnsPort, ZONE, lines, { key });
    return last.code === 0;
  }, 10000);
  assert.ok(ok, `nsupdate failed: ${last.output}\n${node.logs().slice(-2000)}`);
}

async function txt(name: string): Promise<string[]> {
  const r = await dig(node.dnsPort, name, "TXT");
  return r.answer.map((a) => txtJoin(a.data));
}

/** Polls until the node answers `expected` at `name` (HTTP writes reach it within one sync). */
async function txtBecomes(name: string, expected: string[]) {
  let last: string[] = [];
  const ok = await waitFor(async () => {
    last = (await txt(name)).sort();
    return JSON.stringify(last) === JSON.stringify([...expected].sort());
  }, 10000);
  assert.ok(ok, `${name}: got ${JSON.stringify(last)}, want ${JSON.stringify(expected)}`);
}

async function publish(token: string, name: string, value: string) {
  const r = await fetch(`${edge.url}/v1/records/${name}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "x-forwarded-for": nextIp(),
    },
    body: JSON.stringify({ value, ttl: 300 }),
  });
  await r.body?.cancel();
  return r.status;
}

async function remove(token: string, name: string) {
  const r = await fetch(`${edge.url}/v1/records/${name}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}`, "x-forwarded-for": nextIp() },
  });
  await r.body?.cancel();
  return r.status;
}

Deno.test({
  name: "setup: sqld, an edge accepting any subject domain, a udp-node with UPDATE",
  ...opts,
  async fn() {
    sqld = await startSqld();
    edge = await startEdge({
      runtime: "deno",
      // Any domain registers (the default the issue attacked).
      env: { ...BASE_ENV, DMP_DB_URL: sqld.url, DMP_REGISTRATION_ALLOWLIST: "" },
    });
    node = await startNodeProcess({
      dbUrl: sqld.url,
      env: { DMP_DNS_UPDATE_ENABLED: "1", DMP_DOMAIN: ZONE, DMP_TSIG_SECRET_KEY: TSIG_SECRET_KEY },
    });
  },
});

Deno.test({
  name:
    "#1 for registrations made before claims existed: they get theirs before any guard (issue 12)",
  ...opts,
  async fn() {
    // A token registered by a version without claims: a row in `tokens` only. This runs
    // before any registration reaches this edge, so its one-time backfill sees the row.
    const local = `legacy-${uniq()}`;
    const now = Math.floor(Date.now() / 1000);
    await sqld.client.execute({
      sql: `INSERT INTO tokens (token_hash, subject, issued_at, expires_at, issuer, registered_spk)
            VALUES (?, ?, ?, NULL, 'self-service', ?)`,
      args: [
        toHex(crypto.getRandomValues(new Uint8Array(32))),
        `${local}@${ZONE}`,
        now,
        "ab".repeat(32),
      ],
    });
    const m = await register(edge.url, {
      subject: `${local}@attacker.test`,
      id: await newIdentity(),
      ip: nextIp(),
    });
    assert.equal(m.status, 409, JSON.stringify(m.body));
  },
});

Deno.test({
  name:
    "#1: the same local part on another domain gets no key for the victim's id-<hash> name (issue 12)",
  ...opts,
  async fn() {
    const local = `alice-${uniq()}`;
    const alice = await newIdentity();
    const a = await register(edge.url, { subject: `${local}@${ZONE}`, id: alice, ip: nextIp() });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const owner = `id-${await h16(local)}.${ZONE}`;
    const aliceKey = keyArg(String(a.body.tsig_key_name), String(a.body.tsig_secret_hex));
    await updateWithNewKey(aliceKey, [`update add ${owner} 60 TXT "alice-identity"`]);

    // The attack: register local@attacker.test and take the id-<hash> name with nsupdate.
    const mallory = await newIdentity();
    for (const flavour of ["tsig", "token"] as const) {
      const m = await register(edge.url, {
        subject: `${local}@attacker.test`,
        id: mallory,
        ip: nextIp(),
        flavour,
      });
      assert.equal(m.status, 409, `${flavour}: ${JSON.stringify(m.body)}`);
      assert.equal(m.body.tsig_key_name, undefined);
      assert.equal(m.body.token, undefined);
    }
    assert.deepEqual(await txt(owner), ["alice-identity"]);

    // The same key is the same owner on any domain (no over-blocking), and its token writes
    // the names of that other subject, not Alice's zone name.
    const twin = await register(edge.url, {
      subject: `${local}@other.test`,
      id: alice,
      ip: nextIp(),
      flavour: "token",
    });
    assert.equal(twin.status, 200, JSON.stringify(twin.body));
    assert.equal(await publish(String(twin.body.token), owner, "via-http"), 401);

    // Alice's key still writes; another local part on the attacker's domain still registers.
    await updateWithNewKey(aliceKey, [`update add ${owner} 60 TXT "alice-2"`]);
    assert.deepEqual((await txt(owner)).sort(), ["alice-2", "alice-identity"]);
    const other = await register(edge.url, {
      subject: `bob-${uniq()}@attacker.test`,
      id: mallory,
      ip: nextIp(),
    });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    // The reverse order is first come, first served too: the attacker's domain holds the
    // local part, so the zone's subject cannot share its key.
    const first = `carol-${uniq()}`;
    assert.equal(
      (await register(edge.url, { subject: `${first}@attacker.test`, id: mallory, ip: nextIp() }))
        .status,
      200,
    );
    const late = await register(edge.url, {
      subject: `${first}@${ZONE}`,
      id: await newIdentity(),
      ip: nextIp(),
    });
    assert.equal(late.status, 409, JSON.stringify(late.body));
  },
});

Deno.test({
  name: "#2: a subject registered on one route cannot be taken over through the other (issue 12)",
  ...opts,
  async fn() {
    // TSIG first, then /confirm with another key.
    const local = `bob-${uniq()}`;
    const subject = `${local}@${ZONE}`;
    const bob = await newIdentity();
    const b = await register(edge.url, { subject, id: bob, ip: nextIp() });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const owner = `id-${await h16(local)}.${ZONE}`;
    const bobKey = keyArg(String(b.body.tsig_key_name), String(b.body.tsig_secret_hex));
    await updateWithNewKey(bobKey, [`update add ${owner} 60 TXT "bob-identity"`]);
    const thief = await newIdentity();
    const t = await register(edge.url, { subject, id: thief, ip: nextIp(), flavour: "token" });
    assert.equal(t.status, 409, JSON.stringify(t.body));
    assert.equal(t.body.token, undefined);
    assert.deepEqual(await txt(owner), ["bob-identity"]);

    // The same key on the other route is the same owner: Bob gets a token and uses it.
    const own = await register(edge.url, { subject, id: bob, ip: nextIp(), flavour: "token" });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(
      await publish(String(own.body.token), `dmp.${local}.${ZONE}`, "bob-anchored"),
      201,
    );
    await txtBecomes(`dmp.${local}.${ZONE}`, ["bob-anchored"]);

    // Token first, then tsig-confirm with another key.
    const carolLocal = `carol-${uniq()}`;
    const carolSubject = `${carolLocal}@${ZONE}`;
    const c = await register(edge.url, {
      subject: carolSubject,
      id: await newIdentity(),
      ip: nextIp(),
      flavour: "token",
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const carolName = `dmp.${carolLocal}.${ZONE}`;
    assert.equal(await publish(String(c.body.token), carolName, "carol-anchored"), 201);
    await txtBecomes(carolName, ["carol-anchored"]);
    const k = await register(edge.url, { subject: carolSubject, id: thief, ip: nextIp() });
    assert.equal(k.status, 409, JSON.stringify(k.body));
    assert.equal(k.body.tsig_key_name, undefined);
    assert.deepEqual(await txt(carolName), ["carol-anchored"]);
    assert.equal(await publish(String(c.body.token), carolName, "carol-2"), 201);
    await txtBecomes(carolName, ["carol-anchored", "carol-2"]);
  },
});

Deno.test({
  name: "#3: x@y.<zone> cannot register or write dmp.x.y.<zone> held by x.y@<zone> (issue 12)",
  ...opts,
  async fn() {
    const x = `x${uniq()}`;
    const name = `dmp.${x}.y.${ZONE}`;
    const holder = await register(edge.url, {
      subject: `${x}.y@${ZONE}`,
      id: await newIdentity(),
      ip: nextIp(),
      flavour: "token",
    });
    assert.equal(holder.status, 200, JSON.stringify(holder.body));
    assert.equal(await publish(String(holder.body.token), name, "xy-anchored"), 201);
    await txtBecomes(name, ["xy-anchored"]);

    // The attack: register x@y.<zone>, whose dmp name is the same string.
    const attacker = await newIdentity();
    for (const flavour of ["token", "tsig"] as const) {
      const r = await register(edge.url, {
        subject: `${x}@y.${ZONE}`,
        id: attacker,
        ip: nextIp(),
        flavour,
      });
      assert.equal(r.status, 409, `${flavour}: ${JSON.stringify(r.body)}`);
    }
    // Even an operator-issued token for x@y.<zone> (no claims of its own) is refused there.
    const issued = await fetch(
      `${edge.url}/v1/admin/tokens`,
      asOperator({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subject: `${x}@y.${ZONE}` }),
      }),
    );
    assert.equal(issued.status, 201);
    const adminToken = String((await issued.json() as { token: string }).token);
    assert.equal(await publish(adminToken, name, "attacker"), 401);
    assert.equal(await remove(adminToken, name), 401);
    assert.deepEqual(await txt(name), ["xy-anchored"]);
    // The holder still owns it.
    assert.equal(await remove(String(holder.body.token), name), 204);
    await txtBecomes(name, []);
  },
});

Deno.test({
  name: "#1 raced: six keys register one local part on six domains at once; exactly one wins",
  ...opts,
  async fn() {
    const local = `race-${uniq()}`;
    const domains = [ZONE, "a.test", "b.test", "c.test", "d.test", "e.test"];
    const ids = await Promise.all(domains.map(() => newIdentity()));
    const results = await Promise.all(domains.map((d, i) =>
      register(edge.url, {
        subject: `${local}@${d}`,
        id: ids[i],
        ip: nextIp(),
        flavour: i % 2 ? "token" : "tsig",
      })
    ));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], JSON.stringify(statuses));
    const claim = `id-${(await h16(local)).slice(0, 12)}.${ZONE}`;
    const holders = await sqld.client.execute({
      sql: `SELECT c.holder FROM registration_claims c
            LEFT JOIN tokens t ON c.holder = 'token:' || t.token_hash AND t.revoked_at IS NULL
            LEFT JOIN tsig_keys k ON c.holder = 'tsig:' || k.name AND k.revoked = 0
            WHERE c.claim = ? AND (t.token_hash IS NOT NULL OR k.name IS NOT NULL)`,
      args: [claim],
    });
    assert.equal(holders.rows.length, 1, "one live registration holds the zone's id- name");
  },
});

Deno.test({
  name: "teardown",
  ...opts,
  async fn() {
    await node?.stop();
    await edge?.stop();
    await sqld?.stop();
  },
});
