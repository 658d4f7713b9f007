/**
 * The import preview on the operator API (issue 14) through `app.request()`
 * on a real libSQL file database: `dry_run=1` returns the difference and
 * writes nothing; applying with the preview's fingerprint works, and is
 * refused (409, nothing written) when the zone changed since the preview or
 * the file is not the previewed one; a malformed file is a 400 naming the
 * line; an oversized body is a 413; a bad fingerprint or dry_run is a 400.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../packages/core/config/env.ts";
import { createLogger } from "../../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../../packages/core/metrics/catalog.ts";
import { listAudit } from "../../../../packages/core/store/audit.ts";
import { readZoneRecords } from "../../../../packages/core/store/records.ts";
import { readZone } from "../../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { createApp } from "../../app.ts";
import { MAX_ZONE_FILE_BYTES } from "./mod.ts";

const TOKEN = "zone-import-preview-operator-token";
const BASE = "http://edge.test";
const ZONE = "preview.test";
const FILE_1 = `$ORIGIN ${ZONE}.
@ 3600 IN SOA ns1 hostmaster 100 7200 600 604800 60
@ 3600 IN NS ns1
ns1 300 IN A 192.0.2.1
www 300 IN A 192.0.2.10
old 300 IN TXT "to be replaced"
`;
const FILE_2 = `$ORIGIN ${ZONE}.
@ 3600 IN SOA ns1 hostmaster 200 7200 600 604800 60
@ 3600 IN NS ns1
ns1 300 IN A 192.0.2.1
www 600 IN A 192.0.2.10
new 300 IN AAAA 2001:db8::1
`;

async function setup() {
  const db = await freshDatabase();
  const app = createApp({
    client: db.client,
    config: loadConfig({ DMP_OPERATOR_TOKEN: TOKEN, DMP_LOG_LEVEL: "ERROR" }),
    clock: () => 1_800_000_000_000,
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    metrics: new MetricsRegistry(),
  });
  const post = async (query: string, body: BodyInit) => {
    const r = await app.request(`${BASE}/v1/admin/zones/${ZONE}/import${query}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" },
      body,
    });
    return { status: r.status, json: await r.json() };
  };
  const snapshot = async () => ({
    zone: await readZone(db.client, ZONE),
    records: (await readZoneRecords(db.client, ZONE, 1_800_000_000)).map((r) =>
      `${r.name} ${r.ttl} ${r.type} ${r.value}`
    ).sort(),
  });
  return { db, app, post, snapshot };
}

Deno.test("dry_run=1 returns the difference and the serial change, and writes nothing", async () => {
  const s = await setup();
  const first = await s.post("?dry_run=1", FILE_1);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  assert.equal(first.json.creates_zone, true);
  assert.equal(first.json.serial_before, null);
  assert.equal(first.json.serial, 100);
  assert.equal(first.json.written, 4);
  assert.equal((await s.snapshot()).zone, undefined, "a dry run creates no zone");
  const [audited] = await listAudit(s.db.client, { limit: 1 });
  assert.deepEqual(
    [audited.event, audited.detail],
    ["POST /v1/admin/zones/:zone/import", "status=200 dry_run"],
    "the audit log tells a preview from an import",
  );

  assert.equal((await s.post("", FILE_1)).status, 200);
  const before = await s.snapshot();
  const d = await s.post("?dry_run=1&replace=true", FILE_2);
  assert.equal(d.status, 200, JSON.stringify(d.json));
  assert.equal(d.json.dry_run, true);
  assert.equal(d.json.creates_zone, false);
  assert.deepEqual([d.json.serial_before, d.json.serial], [100, 200]);
  assert.deepEqual(
    d.json.add,
    [
      { name: `www.${ZONE}`, type: "A", ttl: 600, value: "192.0.2.10" },
      { name: `new.${ZONE}`, type: "AAAA", ttl: 300, value: "2001:db8::1" },
    ],
  );
  assert.deepEqual(d.json.delete, [
    { name: `old.${ZONE}`, type: "TXT", ttl: 300, value: "to be replaced" },
  ]);
  assert.deepEqual([d.json.written, d.json.deleted, d.json.unchanged], [2, 1, 2]);
  assert.equal(d.json.truncated, false);
  assert.match(d.json.fingerprint, /^[0-9a-f]{32}-[0-9a-f]{32}$/);
  assert.deepEqual(await s.snapshot(), before, "a dry run writes nothing");

  // The same preview twice gives the same fingerprint; applying with it writes the preview.
  const again = await s.post("?dry_run=1&replace=true", FILE_2);
  assert.equal(again.json.fingerprint, d.json.fingerprint);
  const applied = await s.post(`?replace=true&fingerprint=${d.json.fingerprint}`, FILE_2);
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  assert.deepEqual(
    [applied.json.written, applied.json.deleted, applied.json.unchanged, applied.json.serial],
    [2, 1, 2, 200],
  );
  const after = await s.snapshot();
  assert.ok(after.records.includes(`new.${ZONE} 300 AAAA 2001:db8::1`));
  assert.ok(!after.records.some((r) => r.startsWith(`old.${ZONE}`)));
});

Deno.test("apply with a preview's fingerprint is refused (409) once the zone changed, nothing written", async () => {
  const s = await setup();
  assert.equal((await s.post("", FILE_1)).status, 200);
  const d = await s.post("?dry_run=1&replace=true", FILE_2);
  assert.equal(d.status, 200);
  // Someone adds a record between the preview and the apply.
  const add = await s.app.request(`${BASE}/v1/admin/zones/${ZONE}/records`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `late.${ZONE}`, type: "A", value: "192.0.2.99" }),
  });
  assert.equal(add.status, 201);
  const before = await s.snapshot();
  const r = await s.post(`?replace=true&fingerprint=${d.json.fingerprint}`, FILE_2);
  assert.equal(r.status, 409);
  assert.match(r.json.error, /^fingerprint: zone preview\.test changed since the preview/);
  assert.deepEqual(await s.snapshot(), before, "a refused apply writes nothing");

  // A fresh preview covers the change (it would delete the late record) and applies.
  const d2 = await s.post("?dry_run=1&replace=true", FILE_2);
  assert.ok(d2.json.delete.some((x: { name: string }) => x.name === `late.${ZONE}`));
  assert.notEqual(d2.json.fingerprint, d.json.fingerprint);
  // Another file, or other options, under that fingerprint: refused too.
  const other = await s.post(`?replace=true&fingerprint=${d2.json.fingerprint}`, FILE_1);
  assert.equal(other.status, 409);
  assert.match(other.json.error, /the file or the options are not the previewed ones/);
  const merge = await s.post(`?fingerprint=${d2.json.fingerprint}`, FILE_2);
  assert.equal(merge.status, 409);
  assert.deepEqual(await s.snapshot(), before);
  const ok = await s.post(`?replace=true&fingerprint=${d2.json.fingerprint}`, FILE_2);
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
});

Deno.test("a malformed file is a 400 naming the line, in a dry run and an apply, nothing changed", async () => {
  const s = await setup();
  assert.equal((await s.post("", FILE_1)).status, 200);
  const before = await s.snapshot();
  const bad = FILE_2.replace("new 300 IN AAAA 2001:db8::1", "new 300 IN AAAA 2001:db8::zz");
  for (const q of ["?dry_run=1", "", "?replace=true"]) {
    const r = await s.post(q, bad);
    assert.equal(r.status, 400, q);
    assert.match(
      r.json.error,
      /^body: Cannot parse line 6: invalid IPv6 address/,
      `${q} ${r.json.error}`,
    );
  }
  // A CNAME beside other data: the import's own rule, with the line.
  const cname = await s.post("?dry_run=1", `www.${ZONE}. 300 IN CNAME ns1.${ZONE}.\n`);
  assert.equal(cname.status, 400);
  assert.match(cname.json.error, /^body: line 1: www.preview.test has a CNAME and other data/);
  assert.deepEqual(await s.snapshot(), before);
});

Deno.test("an oversized file, a bad fingerprint or dry_run: refused before anything is read", async () => {
  const s = await setup();
  const big = await s.post("?dry_run=1", "; " + "x".repeat(MAX_ZONE_FILE_BYTES) + "\n");
  assert.equal(big.status, 413);
  assert.match(big.json.error, /exceeds 16777216 bytes/);
  const fp = await s.post("?fingerprint=abc", FILE_1);
  assert.equal(fp.status, 400);
  assert.match(fp.json.error, /^fingerprint: /);
  const dr = await s.post("?dry_run=yes", FILE_1);
  assert.equal(dr.status, 400);
  assert.match(dr.json.error, /^dry_run: /);
  assert.equal((await s.snapshot()).zone, undefined);
});
