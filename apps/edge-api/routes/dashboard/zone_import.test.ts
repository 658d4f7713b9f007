/**
 * The dashboard's zone import, export and state (issue 14) through
 * `app.request()` on a real libSQL file database: a pasted or uploaded file
 * (multipart) is previewed and nothing is written; the preview's apply form,
 * posted back as a browser would, imports it; applying after the zone
 * changed is refused and changes nothing; a malformed file names the line;
 * an oversized upload, multipart on another path and a form without its
 * CSRF token are refused; the export is a text/dns attachment; the zones
 * list and zone page show transfer and signing state, and signing can be
 * turned on.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../packages/core/config/env.ts";
import { createLogger } from "../../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../../packages/core/metrics/catalog.ts";
import { listSigningKeys } from "../../../../packages/core/store/dnssec_keys.ts";
import { readZoneRecords } from "../../../../packages/core/store/records.ts";
import { putTransferPolicy } from "../../../../packages/core/store/transfer_policy.ts";
import { readZone } from "../../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { createApp } from "../../app.ts";
import { MAX_ZONE_FILE_BYTES } from "../admin/mod.ts";

const TOKEN = "dashboard-import-operator-token";
const BASE = "http://edge.test";
const ZONE = "imp.test";
const NOW = 1_800_000_000;
const FILE_1 = `$ORIGIN ${ZONE}.
@ 3600 IN SOA ns1 hostmaster 100 7200 600 604800 60
@ 3600 IN NS ns1
ns1 300 IN A 192.0.2.1
old 300 IN TXT "bye <b>&amp;</b>"
`;
// Leading blank line and CRLF line ends, as a file from elsewhere may have.
const FILE_2 = `\r\n$ORIGIN ${ZONE}.\r
@ 3600 IN SOA ns1 hostmaster 200 7200 600 604800 60\r
@ 3600 IN NS ns1\r
ns1 300 IN A 192.0.2.1\r
www 300 IN A 192.0.2.80\r
`;

async function setup() {
  const db = await freshDatabase();
  const app = createApp({
    client: db.client,
    config: loadConfig({
      DMP_OPERATOR_TOKEN: TOKEN,
      DMP_TSIG_SECRET_KEY: "5a".repeat(32),
      DMP_LOG_LEVEL: "ERROR",
    }),
    clock: () => NOW * 1000,
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    metrics: new MetricsRegistry(),
  });
  const r = await app.request(`${BASE}/admin/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  assert.equal(r.status, 303);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0];
  const get = async (path: string): Promise<Response> =>
    await app.request(`${BASE}${path}`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get("/admin/zones")).text())![1];
  /** Posts a multipart form, as a browser does for enctype="multipart/form-data". */
  const postMultipart = (path: string, fields: Record<string, string | File>) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    return app.request(`${BASE}${path}`, {
      method: "POST",
      headers: { cookie, origin: BASE },
      body: fd,
    });
  };
  const postForm = (path: string, fields: Record<string, string>) =>
    app.request(`${BASE}${path}`, {
      method: "POST",
      headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  const snapshot = async () => ({
    zone: await readZone(db.client, ZONE),
    records: (await readZoneRecords(db.client, ZONE, NOW)).map((x) =>
      `${x.name} ${x.ttl} ${x.type} ${x.value}`
    ).sort(),
  });
  return { db, app, get, csrf, postMultipart, postForm, snapshot };
}

/** The apply form's fields, read from the preview page as a browser would submit them. */
function applyFields(html: string): Record<string, string> {
  const form = /<form[^>]*id="apply-import"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  assert.ok(form, "the preview has an apply form");
  const out: Record<string, string> = {};
  for (const m of form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    out[m[1]] = unescape(m[2]);
  }
  const ta = /<textarea name="text" hidden="">([\s\S]*?)<\/textarea>/.exec(form[1]);
  assert.ok(ta, "the file travels back in the form");
  // The HTML parser drops one newline right after the start tag.
  out.text = unescape(ta[1]).replace(/^\n/, "");
  return out;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

Deno.test("a pasted file is previewed (nothing written), then applied with the preview's form", async () => {
  const s = await setup();
  const preview = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    text: FILE_1,
  });
  assert.equal(preview.status, 200);
  const html = await preview.text();
  assert.match(html, /<tr data-field="add"><th scope="row">To add or change<\/th><td>3<\/td>/);
  assert.match(
    html,
    /<tr data-field="serial"><th scope="row">SOA serial<\/th><td>new zone, serial 100</,
  );
  assert.match(html, /<td class="value">bye &lt;b&gt;&amp;amp;&lt;\/b&gt;<\/td>/, "escaped");
  assert.equal((await s.snapshot()).zone, undefined, "the preview wrote nothing");
  const applied = await s.postMultipart("/admin/import/apply", applyFields(html));
  assert.equal(applied.status, 303);
  assert.equal(applied.headers.get("location"), `/admin/zones/${ZONE}?done=zone-imported`);
  const after = await s.snapshot();
  assert.equal(after.zone?.serial, 100);
  assert.ok(after.records.includes(`old.${ZONE} 300 TXT bye <b>&amp;</b>`));
  // The same apply form posted again (a replay, a double submit) is refused: the zone moved.
  const replay = await s.postMultipart("/admin/import/apply", applyFields(html));
  assert.equal(replay.status, 409);
  assert.deepEqual(await s.snapshot(), after);
});

Deno.test("an uploaded file (CRLF, leading blank line) previews a replace and applies it", async () => {
  const s = await setup();
  const first = await s.postMultipart("/admin/import", { _csrf: s.csrf, zone: ZONE, text: FILE_1 });
  assert.equal(
    (await s.postMultipart("/admin/import/apply", applyFields(await first.text())))
      .status,
    303,
  );
  const preview = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    replace: "true",
    text: "ignored: an uploaded file wins",
    file: new File([FILE_2], "imp.test.zone", { type: "text/dns" }),
  });
  assert.equal(preview.status, 200);
  const html = await preview.text();
  assert.match(html, /<td>100 → 200<\/td>/);
  assert.match(html, /<table id="import-add">[\s\S]*www\.imp\.test[\s\S]*<\/table>/);
  assert.match(html, /<table id="import-delete">[\s\S]*old\.imp\.test[\s\S]*<\/table>/);
  assert.match(html, /<tr data-field="unchanged"><th scope="row">Unchanged<\/th><td>2<\/td>/);
  const fields = applyFields(html);
  assert.equal(fields.replace, "true");
  // A browser sends a text area's line ends as CRLF; the dashboard normalizes both steps.
  fields.text = fields.text.replace(/\n/g, "\r\n");
  const applied = await s.postMultipart("/admin/import/apply", fields);
  assert.equal(applied.status, 303, await applied.text());
  const after = await s.snapshot();
  assert.equal(after.zone?.serial, 200);
  assert.ok(after.records.includes(`www.${ZONE} 300 A 192.0.2.80`));
  assert.ok(!after.records.some((r) => r.startsWith(`old.${ZONE}`)));
});

Deno.test("applying after the zone changed is refused: 409 'changed since the preview', nothing written", async () => {
  const s = await setup();
  const first = await s.postMultipart("/admin/import", { _csrf: s.csrf, zone: ZONE, text: FILE_1 });
  await s.postMultipart("/admin/import/apply", applyFields(await first.text()));
  const preview = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    replace: "true",
    text: FILE_2,
  });
  const fields = applyFields(await preview.text());
  // Meanwhile a record is added from the records form.
  const add = await s.postForm(`/admin/zones/${ZONE}/records`, {
    _csrf: s.csrf,
    name: "late",
    type: "A",
    value: "192.0.2.99",
  });
  assert.equal(add.status, 303);
  const before = await s.snapshot();
  const r = await s.postMultipart("/admin/import/apply", fields);
  assert.equal(r.status, 409);
  const html = await r.text();
  assert.match(html, /role="alert">fingerprint: zone imp\.test changed since the preview/);
  assert.deepEqual(await s.snapshot(), before, "nothing written");
  // A forged or missing fingerprint is no way around the preview.
  const none = await s.postMultipart("/admin/import/apply", { ...fields, fingerprint: "" });
  assert.equal(none.status, 400);
  assert.match(await none.text(), /fingerprint: expected the one a dry run returned/);
  assert.deepEqual(await s.snapshot(), before);
});

Deno.test("a malformed file names the line; empty, non-UTF-8, oversized, misplaced or unsigned forms are refused", async () => {
  const s = await setup();
  const bad = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    text: FILE_1.replace("192.0.2.1", "192.0.2.300"),
  });
  assert.equal(bad.status, 400);
  const html = await bad.text();
  assert.match(html, /role="alert">master file: Cannot parse line 4: /);
  assert.match(html, /192\.0\.2\.300/, "the text typed is kept in the form");
  assert.equal((await s.snapshot()).zone, undefined);

  const empty = await s.postMultipart("/admin/import", { _csrf: s.csrf, zone: ZONE, text: "" });
  assert.equal(empty.status, 400);
  assert.match(await empty.text(), /text: paste a master file or choose one to upload/);
  const latin1 = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    file: new File([new Uint8Array([0x40, 0x20, 0xe9, 0x0a])], "x.zone"),
  });
  assert.equal(latin1.status, 400);
  assert.match(await latin1.text(), /file: the master file is not UTF-8/);

  const big = await s.postMultipart("/admin/import", {
    _csrf: s.csrf,
    zone: ZONE,
    file: new File(["; " + "x".repeat(MAX_ZONE_FILE_BYTES + 65536) + "\n"], "big.zone"),
  });
  assert.equal(big.status, 413);
  assert.match(await big.text(), /the form exceeds \d+ bytes/);

  // Multipart is read on the import paths only, and a form without its token changes nothing.
  const elsewhere = await s.postMultipart("/admin/zones", { _csrf: s.csrf, name: ZONE });
  assert.equal(elsewhere.status, 403);
  const unsigned = await s.postMultipart("/admin/import", { zone: ZONE, text: FILE_1 });
  assert.equal(unsigned.status, 403);
  const pre = await s.postMultipart("/admin/import", { _csrf: s.csrf, zone: ZONE, text: FILE_1 });
  const { _csrf: _, ...noToken } = applyFields(await pre.text());
  assert.equal((await s.postMultipart("/admin/import/apply", noToken)).status, 403);
  assert.equal((await s.snapshot()).zone, undefined);
});

Deno.test("export is a text/dns attachment; the zones list and page show transfer and signing; signing turns on", async () => {
  const s = await setup();
  const pre = await s.postMultipart("/admin/import", { _csrf: s.csrf, zone: ZONE, text: FILE_1 });
  await s.postMultipart("/admin/import/apply", applyFields(await pre.text()));
  const exp = await s.get(`/admin/zones/${ZONE}/export`);
  assert.equal(exp.status, 200);
  assert.equal(exp.headers.get("content-type"), "text/dns; charset=utf-8");
  assert.equal(exp.headers.get("content-disposition"), `attachment; filename="${ZONE}.zone"`);
  const api = await s.app.request(`${BASE}/v1/admin/zones/${ZONE}/export`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(await exp.text(), await api.text(), "the API's export, byte for byte");
  assert.equal((await s.get(`/admin/zones/none.test/export`)).status, 404);

  const row = async () => {
    const html = await (await s.get("/admin/zones")).text();
    return new RegExp(`<tr data-zone="${ZONE}">([\\s\\S]*?)</tr>`).exec(html)![1];
  };
  assert.match(
    await row(),
    /<td>100<\/td><td>7200 \/ 600 \/ 604800 \/ 60<\/td><td>3<\/td><td>off<\/td><td>off<\/td>/,
  );
  await putTransferPolicy(s.db.client, {
    zone: ZONE,
    allowKeys: ["xfr-key"],
    allowNets: ["192.0.2.0/24"],
    notify: [{ address: "192.0.2.53", port: 5300, key: "xfr-key" }],
  }, NOW);
  const on = await s.postForm(`/admin/zones/${ZONE}/dnssec`, { _csrf: s.csrf, algorithm: "15" });
  assert.equal(on.status, 303);
  assert.equal(on.headers.get("location"), `/admin/zones/${ZONE}?done=signing-enabled`);
  const keys = await listSigningKeys(s.db.client, ZONE);
  assert.deepEqual(keys.map((k) => [k.algorithm, k.times.role]), [[15, "ksk"], [15, "zsk"]]);
  const [ksk, zsk] = keys;
  assert.match(
    await row(),
    new RegExp(
      "<td>keys: xfr-key; nets: 192\\.0\\.2\\.0/24; notify: 192\\.0\\.2\\.53:5300 \\(xfr-key\\)</td>" +
        `<td>ED25519, key tag ${ksk.keyTag}, ${zsk.keyTag}</td>`,
    ),
  );
  const page = await (await s.get(`/admin/zones/${ZONE}`)).text();
  assert.match(
    page,
    new RegExp(
      `<th scope="row">DS \\(ksk ${ksk.keyTag}, active\\)</th><td class="value">${ZONE}\\. \\d+ IN DS ${ksk.keyTag} 15 2 [0-9A-F]{64}</td>`,
    ),
  );
  assert.doesNotMatch(page, new RegExp(`DS \\(zsk`), "no DS row for the ZSK");
  assert.doesNotMatch(page, /Enable DNSSEC signing/, "no enable button once signed");
  // Without the CSRF token the signing form changes nothing.
  const s2 = await setup();
  await s2.postMultipart(
    "/admin/import/apply",
    applyFields(
      await (await s2.postMultipart("/admin/import", { _csrf: s2.csrf, zone: ZONE, text: FILE_1 }))
        .text(),
    ),
  );
  assert.equal((await s2.postForm(`/admin/zones/${ZONE}/dnssec`, { algorithm: "13" })).status, 403);
  assert.deepEqual(await listSigningKeys(s2.db.client, ZONE), []);
});
