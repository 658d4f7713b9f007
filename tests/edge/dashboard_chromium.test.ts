/**
 * The operator dashboard in a real browser (issue 14), on Node and on
 * workerd (Miniflare), both on one sqld with a udp-node on an embedded
 * replica of it. Headless Debian Chromium (playwright-core) signs in (a wrong
 * token first, then the right one typed from the keyboard), creates a zone,
 * adds records of several types, filters them by chip and text, sees the
 * node answer them (dig), deletes one, issues a token (shown once) and
 * revokes it, revokes a TSIG key, reads the nodes and audit views, and signs
 * out; a form posted from another origin while signed in is refused. While a
 * UDP query loop runs against the node, reloads of the overview show the
 * node's query counter and q/s rise (from the stats row the node writes every
 * second here). Every view is screenshot under `test-artifacts/` at 1280 and 390 px
 * and checked not blank (luminance spread); at 390 px no page is wider than
 * the screen. No request leaves the edge and no CSP violation is reported.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium, shoot, watchedPage } from "../_support/chromium.ts";
import { parseHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { storeHeartbeats } from "../../packages/core/store/heartbeats_seen.ts";
import { dig, txtJoin } from "../_support/dig.ts";
import { buildQuery, udpExchange } from "../_support/raw_dns.ts";
import { type EdgeProcess, startEdge } from "../_support/edge_process.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { heartbeatWire, newOperator } from "../discovery_edge/_fixtures.ts";
import { BASE_ENV, NODE, OPERATOR_TOKEN } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** The node's name in its stats rows (its card on the overview). */
const STATS_NAME = "dash-node";

let sqld: SqldProcess | undefined;
let node: NodeProcess | undefined;
let browser: Browser | undefined;

async function shared(): Promise<{ sqld: SqldProcess; node: NodeProcess; browser: Browser }> {
  if (!sqld) {
    sqld = await startSqld();
    // One of our own nodes in the heartbeat directory, and one of someone else's.
    const now = Math.floor(Date.now() / 1000);
    const entries = [];
    for (const endpoint of [`https://${NODE}`, "https://elsewhere.example"]) {
      const wire = await heartbeatWire(await newOperator(), {
        endpoint,
        zone: endpoint === `https://${NODE}` ? "" : "elsewhere.example",
        ts: now - 30,
      });
      const r = await parseHeartbeatWire(wire, { now, tsSkewSeconds: 86400 });
      assert.ok(r.ok);
      entries.push({ heartbeat: r.record, via: [] });
    }
    await storeHeartbeats(sqld.client, { entries, edges: [], now });
  }
  if (!node) {
    const dir = await Deno.makeTempDir({ prefix: "dmp-dash-node-" });
    node = await startNodeProcess(
      replicaNodeOptions(sqld, dir, {
        DMP_DB_SYNC_INTERVAL: "0.3",
        DMP_NODE_STATS_INTERVAL: "1",
        DMP_NODE_STATS_NAME: STATS_NAME,
      }),
    );
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

/**
 * "Watch the overview's counters move": a UDP query loop runs against the
 * node while the overview is reloaded until the node's card shows its query
 * total up by at least the loop's answered queries and a q/s above zero.
 */
async function watchCounters(
  b: Browser,
  page: Page,
  edgeUrl: string,
  port: number,
  name: string,
  tag: string,
): Promise<void> {
  const card = page.locator(`section.node[data-node="${STATS_NAME}"]`);
  const total = async () => Number(await card.locator('[data-figure="queries-total"]').innerText());
  await page.goto(`${edgeUrl}/admin/overview`);
  assert.ok(
    await waitFor(async () => {
      await page.reload();
      return await card.count() === 1;
    }, 15000),
    "the node's card is on the overview",
  );
  const before = await total();
  let answered = 0;
  let sent = 0;
  let stop = false;
  const query = buildQuery(name, 1);
  // Bounded: stops when the counters were seen moving, or after 30 s.
  const loop = (async () => {
    const end = Date.now() + 30000;
    while (!stop && Date.now() < end) {
      sent++;
      if (await udpExchange(port, query, 500)) answered++;
    }
  })();
  let after = before;
  let qps = 0;
  try {
    const moved = await waitFor(async () => {
      if (answered < 50) return false;
      await page.reload();
      after = await total();
      qps = Number(await card.locator('[data-figure="qps"]').innerText());
      return after >= before + 50 && qps > 0;
    }, 30000);
    assert.ok(moved, `counters moved: ${before} -> ${after}, ${qps} q/s, ${answered} answered`);
  } finally {
    stop = true;
    await loop;
  }
  // The node counts what it answered: never more than was sent (a few digs before `before`).
  assert.ok(after <= before + sent + 20, `${after - before} counted, ${sent} sent`);
  assert.match(await card.locator(".fresh").innerText(), /^fresh$/);
  assert.equal(await card.locator("svg.spark").count(), 2);
  // The edge's own request rates: this page's reloads are dashboard requests, counted by the
  // edge process, or by one isolate on workerd (and the page says which).
  const dashboardRow = page.locator('#edge-requests tr[data-class="dashboard"] td');
  assert.ok(Number(await dashboardRow.first().innerText()) >= 3);
  assert.match(
    await page.locator("#edge-scope").innerText(),
    tag.endsWith("workerd") ? /Workers isolate/ : /edge process/,
  );
  await shoot(b, page, `${tag}-overview-counters`);
}

async function runDashboard(runtime: "node" | "workerd"): Promise<void> {
  const { sqld, node, browser: b } = await shared();
  const edge: EdgeProcess = await startEdge({
    runtime,
    env: { ...BASE_ENV, DMP_DB_URL: sqld.url },
  });
  const zone = `dash-${runtime}.test`;
  const keyName = `dash-${runtime}-key`;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${edge.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
    });
  // A TSIG key to revoke from the browser, imported through the JSON API.
  const imp = await api("/v1/admin/tsig-keys/import", {
    method: "POST",
    body: JSON.stringify({ name: keyName, secret: btoa("k".repeat(32)) }),
  });
  assert.equal(imp.status, 201, await imp.text());

  /** The attacker's own page (below) is the one request to elsewhere that the test makes. */
  let attackerOrigin = "none:";
  const { context, page, external, cspErrors } = await watchedPage(
    b,
    edge.url,
    (u) => u.startsWith(attackerOrigin),
  );
  const tag = `dashboard-${runtime}`;
  try {
    // Sign-in: /admin without a session lands on the sign-in form.
    await page.goto(`${edge.url}/admin`);
    assert.equal(new URL(page.url()).pathname, "/admin/sign-in");
    await shoot(b, page, `${tag}-sign-in`);
    await page.getByLabel("Operator token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(await page.getByRole("alert").innerText(), /not the operator token/);
    // The right token, from the keyboard: the field is focused on load and Enter submits.
    await page.goto(`${edge.url}/admin/sign-in`);
    // autofocus lands after load; wait for it (bounded) rather than type into nothing.
    // A locator, not a waitForFunction string, which the page's CSP forbids evaluating.
    await page.locator('[name="token"]:focus').waitFor({ timeout: 10000 });
    await page.keyboard.type(OPERATOR_TOKEN);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/admin\/overview$/);
    const cookie = (await context.cookies()).find((c) => c.name === "dmp_admin_session");
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.ok(cookie.expires > Date.now() / 1000 + 3600);

    // Keyboard: the first Tab stop is the first navigation link.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.textContent"), "Overview");
    const figure = (id: string) => page.locator(`#overview tr[data-figure="${id}"] td`).innerText();
    assert.match(await figure("store"), /^\d+ ms$/);
    assert.match(await figure("nodes"), /^2 \/ 2$/);
    const zonesBefore = Number(await figure("zones"));
    await shoot(b, page, `${tag}-overview`);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/admin\/zones$/);

    // Zones: create one with apex NS/A and SOA timers.
    await page.getByLabel("Zone name").fill(zone);
    await page.getByLabel("Apex NS").fill(`ns1.${zone}, ns2.${zone}`);
    await page.getByLabel("Apex A", { exact: true }).fill("192.0.2.53");
    await page.getByLabel("SOA refresh").fill("7200");
    await page.getByLabel("SOA minimum").fill("120");
    await page.getByRole("button", { name: "Create zone" }).click();
    assert.equal(await page.getByRole("status").innerText(), "Zone saved.");
    const zoneRow = page.locator(`#zones tr[data-zone="${zone}"] td`);
    assert.match(await zoneRow.nth(2).innerText(), /^7200 \/ \d+ \/ \d+ \/ 120$/);
    await shoot(b, page, `${tag}-zones`);

    // Records: several types, one bad value refused with the API's message.
    await page.getByRole("link", { name: zone, exact: true }).click();
    const add = async (name: string, type: string, value: string, lifetime = "") => {
      await page.getByLabel("Name", { exact: true }).fill(name);
      await page.getByLabel("Record type", { exact: true }).selectOption(type);
      await page.getByLabel("Value").fill(value);
      await page.getByLabel("Lifetime").fill(lifetime);
      await page.getByRole("button", { name: "Add record" }).click();
    };
    await add("www", "A", "192.0.2.10");
    assert.equal(await page.getByRole("status").innerText(), "Record added.");
    await add("www", "AAAA", "2001:DB8::10");
    await add("@", "MX", `10 mail.${zone}.`);
    await add("info", "TXT", "hello from the dashboard");
    await add("alias", "CNAME", `www.${zone}.`);
    await add("slot-0", "TXT", "v=dmp1;t=x", "3600");
    await add("bad", "A", "999.1.2.3");
    assert.match(await page.getByRole("alert").innerText(), /^value: /);
    assert.equal(await page.getByLabel("Value").inputValue(), "999.1.2.3");
    await page.goto(`${edge.url}/admin/zones/${zone}`);
    const rows = page.locator("#records tbody tr");
    // apex NS×2 + A, www A + AAAA, MX, 2 TXT, CNAME
    assert.equal(await rows.count(), 9);
    const slot = page.locator("#records tbody tr", { hasText: "v=dmp1;t=x" }).locator("td");
    assert.match(await slot.nth(4).innerText(), /^(59|60)m left$/);
    // A TXT record without a lifetime lives as long as its TTL (DMP); other types stay.
    const info = page.locator("#records tbody tr", { hasText: "hello from the dashboard" });
    assert.match(await info.locator("td").nth(4).innerText(), /^[45]m left$/);
    const www = page.locator("#records tbody tr", { hasText: "192.0.2.10" });
    assert.equal(await www.locator("td").nth(4).innerText(), "permanent");
    // Type chips filter the table; the text filter too.
    await page.getByRole("link", { name: "A (2)" }).click();
    assert.equal(await rows.count(), 2);
    assert.deepEqual(
      await page.locator("#records tbody tr").evaluateAll((trs) =>
        trs.map((tr) => tr.getAttribute("data-type"))
      ),
      ["A", "A"],
    );
    await page.getByRole("link", { name: "All (9)" }).click();
    await page.getByLabel("Filter records").fill("hello");
    await page.getByRole("button", { name: "Filter" }).click();
    assert.equal(await rows.count(), 1);
    await page.goto(`${edge.url}/admin/zones/${zone}`);
    await shoot(b, page, `${tag}-records`);

    // The running node answers what the browser published.
    const port = node.dnsPort;
    assert.ok(
      await waitFor(
        async () => (await answers(port, `alias.${zone}`, "CNAME")).length === 1,
        15000,
      ),
      "the node serves the new zone",
    );
    assert.deepEqual(await answers(port, `www.${zone}`, "A"), ["192.0.2.10"]);
    assert.deepEqual(await answers(port, `www.${zone}`, "AAAA"), ["2001:db8::10"]);
    assert.deepEqual(await answers(port, zone, "MX"), [`10 mail.${zone}.`]);
    assert.deepEqual(
      (await dig(port, `info.${zone}`, "TXT")).answer.map((a) => txtJoin(a.data)),
      ["hello from the dashboard"],
    );
    assert.deepEqual(await answers(port, `alias.${zone}`, "CNAME"), [`www.${zone}.`]);
    assert.deepEqual(await answers(port, zone, "A"), ["192.0.2.53"]);

    // Delete the CNAME from its row; the node stops answering it.
    await page.locator('#records tbody tr[data-type="CNAME"] button').click();
    assert.equal(await page.getByRole("status").innerText(), "Record deleted.");
    assert.ok(
      await waitFor(
        async () => (await dig(port, `alias.${zone}`, "CNAME")).status === "NXDOMAIN",
        15000,
      ),
      "the deleted CNAME is gone from the node",
    );

    await watchCounters(b, page, edge.url, port, `www.${zone}`, tag);

    // Keys and tokens: issue (shown once), revoke; revoke the imported TSIG key.
    await page.getByRole("link", { name: "Keys and tokens" }).click();
    await page.getByLabel("Subject").fill(`alice@${zone}`);
    await page.getByLabel("Note").fill("from the dashboard test");
    await page.getByRole("button", { name: "Issue token" }).click();
    const issued = await page.locator("#issued-token").innerText();
    assert.match(issued, /^dmp_v1_[A-Z2-7]{52}$/);
    const hashBytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(issued));
    const hash = Array.from(new Uint8Array(hashBytes), (x) => x.toString(16).padStart(2, "0"))
      .join("");
    const tokRow = page.locator(`#tokens tr[data-hash="${hash}"]`);
    assert.equal(await tokRow.getAttribute("data-state"), "active");
    await page.goto(`${edge.url}/admin/keys`);
    assert.equal(await page.locator("#issued-token").count(), 0, "the secret is shown once");
    await tokRow.getByRole("button", { name: /^Revoke token/ }).click();
    assert.equal(await page.getByRole("status").innerText(), "Token revoked.");
    assert.equal(await tokRow.getAttribute("data-state"), "gone");
    const tokens = await (await api("/v1/admin/tokens")).json();
    const t = tokens.tokens.find((x: { token_hash: string }) => x.token_hash === hash);
    assert.ok(t?.revoked_at, "the API sees the token revoked");
    await page.getByRole("button", { name: `Revoke key ${keyName}` }).click();
    assert.equal(await page.getByRole("status").innerText(), "TSIG key revoked.");
    const keys = await (await api("/v1/admin/tsig-keys")).json();
    assert.equal(
      keys.tsig_keys.find((k: { name: string }) => k.name === keyName)?.revoked,
      true,
    );
    await shoot(b, page, `${tag}-keys`);

    // The overview counts the new zone.
    await page.getByRole("link", { name: "Overview" }).click();
    assert.equal(Number(await figure("zones")), zonesBefore + 1);
    await page.getByRole("link", { name: "Keys and tokens" }).click();

    // Nodes: ours marked.
    await page.getByRole("link", { name: "Nodes" }).click();
    assert.equal(await page.locator('#nodes tr[data-own="true"]').count(), 1);
    assert.match(
      await page.locator('#nodes tr[data-own="true"] td').first().innerText(),
      new RegExp(`^https://${NODE}$`),
    );
    assert.ok(await page.locator('#nodes tr[data-own="false"]').count() >= 1);
    await shoot(b, page, `${tag}-nodes`);

    // Audit: the browser's actions are there, as the API's own rows.
    await page.getByRole("link", { name: "Audit log" }).click();
    const events = await page.locator("#audit tbody tr td:nth-child(4)").allInnerTexts();
    for (
      const e of [
        "dashboard.sign_in",
        "dashboard.sign_in_failed",
        "POST /v1/admin/zones",
        "POST /v1/admin/zones/:zone/records",
        "DELETE /v1/admin/tokens/:hash",
      ]
    ) assert.ok(events.includes(e), `audit shows ${e}`);
    await shoot(b, page, `${tag}-audit`);

    // 390 px: every view fits the screen width and renders.
    const narrow = await context.newPage();
    await narrow.setViewportSize({ width: 390, height: 844 });
    for (
      const [view, path] of [
        ["overview", "/admin/overview"],
        ["zones", "/admin/zones"],
        ["records", `/admin/zones/${zone}`],
        ["keys", "/admin/keys"],
        ["nodes", "/admin/nodes"],
        ["audit", "/admin/audit"],
      ]
    ) {
      await narrow.goto(`${edge.url}${path}`);
      assert.equal(new URL(narrow.url()).pathname, path);
      const width = Number(await narrow.evaluate("document.documentElement.scrollWidth"));
      assert.ok(width <= 390, `${view} is ${width}px wide at 390`);
      await shoot(b, narrow, `${tag}-${view}-390`);
    }
    await narrow.close();

    // A forged form from another origin on the same host (same site, so the SameSite=Strict
    // cookie is sent): the Origin check refuses it, and the zone is not created.
    const evilZone = `evil-${runtime}.test`;
    const attacker = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response(
          `<!DOCTYPE html><form id="f" method="post" action="${edge.url}/admin/zones">` +
            `<input name="name" value="${evilZone}"><input name="_csrf" value="guess"></form>` +
            `<script>document.getElementById("f").submit()</script>`,
          { headers: { "content-type": "text/html" } },
        ),
    );
    try {
      const forged = page.waitForResponse((r) => r.url() === `${edge.url}/admin/zones`);
      attackerOrigin = `http://127.0.0.1:${attacker.addr.port}/`;
      await page.goto(attackerOrigin);
      assert.equal((await forged).status(), 403);
    } finally {
      await attacker.shutdown();
    }
    const zonesNow = await (await api("/v1/admin/zones")).json();
    assert.ok(
      !zonesNow.zones.some((z: { name: string }) => z.name === evilZone),
      "the forged form created nothing",
    );
    await page.goto(`${edge.url}/admin/audit`);
    assert.match(await page.locator("#audit tbody").innerText(), /cross-site POST \/admin\/zones/);
    await page.goto(`${edge.url}/admin/zones`);

    // Sign out: back to the form, and the session is gone.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/admin\/sign-in/);
    assert.equal(await page.getByRole("status").innerText(), "Signed out.");
    await page.goto(`${edge.url}/admin/keys`);
    assert.equal(new URL(page.url()).pathname, "/admin/sign-in");

    assert.deepEqual(external, [], "no request leaves the edge");
    assert.deepEqual(cspErrors, []);
  } finally {
    await context.close();
    await edge.stop();
  }
}

Deno.test({
  name:
    "the dashboard in Chromium on Node: sign in, zone, records answered by dig, tokens, sign out",
  ...opts,
  fn: () => runDashboard("node"),
});

Deno.test({
  name:
    "the dashboard in Chromium on workerd: sign in, zone, records answered by dig, tokens, sign out",
  ...opts,
  fn: () => runDashboard("workerd"),
});
