/**
 * The dashboard's zone import, export, transfer and signing state in a real
 * browser (issue 14), on Node and on workerd, on one sqld with a udp-node on
 * an embedded replica of it. Headless Debian Chromium signs in, imports a new
 * zone from pasted text (preview, then apply) and dig sees its records;
 * uploads a file that replaces part of it (the preview lists the deletion
 * and the serial change) and dig sees the result; a malformed file is refused
 * naming its line; a preview applied after the
 * zone changed is refused with nothing written; downloads the export (the
 * API's bytes, `<zone>.zone`); turns signing on; reads transfer and signing
 * state on the zones list. The preview, zones and zone views are screenshot
 * under `test-artifacts/` at 1280 and 390 px, checked not blank and, at
 * 390 px, not wider than the screen. No request leaves the edge and no CSP
 * violation is reported.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { dig } from "../_support/dig.ts";
import {
  assertFitsWidth,
  launchChromium,
  shoot,
  signInDashboard,
  watchedPage,
} from "../_support/chromium.ts";
import { type EdgeProcess, startEdge } from "../_support/edge_process.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { BASE_ENV, OPERATOR_TOKEN } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

let sqld: SqldProcess | undefined;
let node: NodeProcess | undefined;
let browser: Browser | undefined;

async function shared(): Promise<{ sqld: SqldProcess; node: NodeProcess; browser: Browser }> {
  sqld ??= await startSqld();
  if (!node) {
    const dir = await Deno.makeTempDir({ prefix: "dmp-dash-zones-node-" });
    node = await startNodeProcess(replicaNodeOptions(sqld, dir, { DMP_DB_SYNC_INTERVAL: "0.3" }));
  }
  browser ??= await launchChromium();
  return { sqld, node, browser };
}

Deno.test.afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await sqld?.stop();
});

async function answers(port: number, name: string, type: string): Promise<string[]> {
  return (await dig(port, name, type)).answer.filter((a) => a.type === type).map((a) => a.data);
}

/** Screenshots the page at 1280 and at 390 px (checking its width there), then back to 1280. */
async function shootBoth(b: Browser, page: Page, name: string): Promise<void> {
  await shoot(b, page, name);
  await page.setViewportSize({ width: 390, height: 844 });
  await assertFitsWidth(page, 390, name);
  await shoot(b, page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function runZones(runtime: "node" | "workerd"): Promise<void> {
  const { sqld, node, browser: b } = await shared();
  const edge: EdgeProcess = await startEdge({
    runtime,
    env: { ...BASE_ENV, DMP_DB_URL: sqld.url },
  });
  const zone = `zimp-${runtime}.test`;
  const port = node.dnsPort;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${edge.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
    });
  const { context, page, external, cspErrors } = await watchedPage(b, edge.url);
  const tag = `dashboard-zones-${runtime}`;
  const cell = (field: string) =>
    page.locator(`#import-summary tr[data-field="${field}"] td`).innerText();
  const state = (field: string) =>
    page.locator(`#zone-state-table tr[data-field="${field}"] td`).first().innerText();
  try {
    await signInDashboard(page, edge.url, OPERATOR_TOKEN);

    // A new zone from pasted text: preview (nothing written yet), then apply.
    await page.getByRole("link", { name: "Zones" }).click();
    await page.getByLabel("Zone to import into").fill(zone);
    await page.getByLabel("Master file text").fill(
      `$ORIGIN ${zone}.\n@ 3600 IN SOA ns1 hostmaster 2026010101 7200 600 604800 60\n` +
        `@ 3600 IN NS ns1\nns1 300 IN A 192.0.2.1\nwww 300 IN A 192.0.2.10\n` +
        `old 300 IN TXT "to be replaced"\n`,
    );
    await page.getByRole("button", { name: "Preview import" }).click();
    assert.equal(await cell("add"), "4");
    assert.equal(await cell("delete"), "0");
    assert.equal(await cell("serial"), "new zone, serial 2026010101");
    assert.equal(await page.locator("#import-add tbody tr").count(), 4);
    const zones = await (await api("/v1/admin/zones")).json();
    assert.ok(!zones.zones.some((z: { name: string }) => z.name === zone), "preview wrote nothing");
    await shootBoth(b, page, `${tag}-import-preview`);
    await page.getByRole("button", { name: "Apply import" }).click();
    await page.waitForURL(new RegExp(`/admin/zones/${zone}\\?done=zone-imported$`));
    assert.equal(await page.getByRole("status").innerText(), "Master file imported.");
    assert.equal(await state("serial"), "2026010101");
    assert.equal(await state("records"), "4");
    assert.ok(
      await waitFor(async () => (await answers(port, `www.${zone}`, "A")).length === 1, 15000),
      "the node serves the imported zone",
    );
    assert.deepEqual(await answers(port, `www.${zone}`, "A"), ["192.0.2.10"]);

    // An uploaded file replacing the zone: the preview lists the deletion and the serial move.
    const upload = `${await Deno.makeTempDir({ prefix: "dmp-dash-zones-" })}/${zone}.zone`;
    await Deno.writeTextFile(
      upload,
      `$ORIGIN ${zone}.\r\n@ 3600 IN SOA ns1 hostmaster 2026010102 7200 600 604800 60\r\n` +
        `@ 3600 IN NS ns1\r\nns1 300 IN A 192.0.2.1\r\nwww 300 IN A 192.0.2.10\r\n` +
        `api 300 IN AAAA 2001:db8::5\r\n`,
    );
    await page.getByLabel("Or upload a master file").setInputFiles(upload);
    await page.getByLabel("Replace: also delete zone data the file lacks").check();
    await page.getByRole("button", { name: "Preview import" }).click();
    assert.equal(await cell("serial"), "2026010101 → 2026010102");
    assert.equal(await cell("unchanged"), "3");
    assert.match(await page.locator("#import-delete tbody").innerText(), /old\.zimp-.*TXT/);
    assert.match(await page.locator("#import-add tbody").innerText(), /api\.zimp-.*2001:db8::5/);
    await page.getByRole("button", { name: "Apply import" }).click();
    assert.equal(await page.getByRole("status").innerText(), "Master file imported.");
    assert.ok(
      await waitFor(
        async () => (await answers(port, `api.${zone}`, "AAAA"))[0] === "2001:db8::5",
        15000,
      ),
      "the node serves the uploaded file's record",
    );
    assert.equal((await dig(port, `old.${zone}`, "TXT")).status, "NXDOMAIN");

    // A malformed file: the error names the line, the text stays in the form.
    await page.getByLabel("Master file text").fill(
      `ok 300 IN A 192.0.2.5\nbad 300 IN A 192.0.2.300\n`,
    );
    await page.getByRole("button", { name: "Preview import" }).click();
    assert.match(await page.getByRole("alert").innerText(), /^master file: Cannot parse line 2: /);
    assert.match(await page.getByLabel("Master file text").inputValue(), /192\.0\.2\.300/);

    // A preview applied after the zone changed: refused, nothing written.
    await page.getByLabel("Master file text").fill(`late 300 IN A 192.0.2.77\n`);
    await page.getByRole("button", { name: "Preview import" }).click();
    assert.equal(await cell("add"), "1");
    const between = await api(`/v1/admin/zones/${zone}/records`, {
      method: "POST",
      body: JSON.stringify({ name: `between.${zone}`, type: "A", value: "192.0.2.78" }),
    });
    assert.equal(between.status, 201);
    await page.getByRole("button", { name: "Apply import" }).click();
    assert.match(await page.getByRole("alert").innerText(), /changed since the preview/);
    const recs = await (await api(`/v1/admin/zones/${zone}/records`)).json();
    assert.ok(!recs.records.some((r: { name: string }) => r.name === `late.${zone}`));

    // Export: a download of the API's bytes, named after the zone.
    await page.goto(`${edge.url}/admin/zones/${zone}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export master file" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${zone}.zone`);
    const saved = await Deno.readTextFile(await download.path());
    const fromApi = await (await api(`/v1/admin/zones/${zone}/export`)).text();
    assert.equal(saved, fromApi);
    assert.match(
      saved,
      new RegExp(
        `^between\\.${zone.replaceAll(".", "\\.")}\\.\\s+300\\s+IN\\s+A\\s+192\\.0\\.2\\.78$`,
        "m",
      ),
    );

    // Transfer policy (set through the API) and signing (turned on from the page).
    const put = await api(`/v1/admin/zones/${zone}/transfer`, {
      method: "PUT",
      body: JSON.stringify({
        allow_nets: ["192.0.2.0/24"],
        notify: [{ address: "192.0.2.53", port: 5300 }],
      }),
    });
    assert.equal(put.status, 200, await put.text());
    await page.getByRole("button", { name: "Enable DNSSEC signing" }).click();
    assert.match(await page.getByRole("status").innerText(), /DNSSEC signing is on/);
    const dnssec = await (await api(`/v1/admin/zones/${zone}/dnssec`)).json();
    assert.equal(dnssec.signed, true);
    // A KSK and a ZSK; the parent's DS is the KSK's.
    const keyTags = dnssec.keys.map((k: { key_tag: number }) => k.key_tag).join(", ");
    const ksk = dnssec.keys.find((k: { role: string }) => k.role === "ksk");
    assert.equal(await state("signing"), `ECDSAP256SHA256, key tag ${keyTags}`);
    assert.equal(await state("ds"), ksk.ds);
    assert.equal(await state("transfer"), "nets: 192.0.2.0/24; notify: 192.0.2.53:5300");
    await shootBoth(b, page, `${tag}-zone`);

    await page.getByRole("link", { name: "Zones", exact: true }).click();
    const row = page.locator(`#zones tr[data-zone="${zone}"] td`);
    // Turning signing on moved the serial once more (secondaries transfer the signed zone).
    assert.equal(await row.nth(1).innerText(), "2026010104");
    assert.equal(await row.nth(3).innerText(), "5");
    assert.equal(await row.nth(4).innerText(), "nets: 192.0.2.0/24; notify: 192.0.2.53:5300");
    assert.equal(await row.nth(5).innerText(), `ECDSAP256SHA256, key tag ${keyTags}`);
    await shootBoth(b, page, `${tag}-zones`);

    assert.deepEqual(external, [], "no request leaves the edge");
    assert.deepEqual(cspErrors, []);
  } finally {
    await context.close();
    await edge.stop();
  }
}

Deno.test({
  name: "dashboard zones in Chromium on Node: import with preview, dig, refusal, export, signing",
  ...opts,
  fn: () => runZones("node"),
});

Deno.test({
  name:
    "dashboard zones in Chromium on workerd: import with preview, dig, refusal, export, signing",
  ...opts,
  fn: () => runZones("workerd"),
});
