/**
 * The dashboard's guards through `app.request()` on a real libSQL file
 * database (issue 14): no session, a forged or expired or signed-out
 * session, a form without its CSRF token or with another session's, a
 * cross-site Origin, a wrong operator token (audited, then rate limited),
 * and a bad record value: each is refused and changes nothing.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../packages/core/config/env.ts";
import { createLogger } from "../../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../../packages/core/metrics/catalog.ts";
import { listAudit } from "../../../../packages/core/store/audit.ts";
import { readZoneRecords } from "../../../../packages/core/store/records.ts";
import { listTokens } from "../../../../packages/core/store/tokens.ts";
import { queryLogAppendStatements } from "../../../../packages/core/store/query_log.ts";
import { tsigLastUsedStatement } from "../../../../packages/core/store/tsig_keys.ts";
import { listZones } from "../../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { createApp } from "../../app.ts";
import { SESSION_SECONDS } from "./session.ts";

const TOKEN = "dashboard-test-operator-token";
const BASE = "http://edge.test";

async function setup(env: Record<string, string> = {}) {
  const db = await freshDatabase();
  let now = 1_800_000_000_000;
  const app = createApp({
    client: db.client,
    config: loadConfig({
      DMP_OPERATOR_TOKEN: TOKEN,
      DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
      DMP_LOG_LEVEL: "ERROR",
      ...env,
    }),
    clock: () => now,
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    metrics: new MetricsRegistry(),
  });
  let ip = 0;
  return {
    db,
    app,
    advance(seconds: number) {
      now += seconds * 1000;
    },
    /** A fresh client address per caller, so sign-in buckets stay apart. */
    nextIp: () => `192.0.2.${++ip}`,
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

function post(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): RequestInit & { path: string } {
  return {
    path,
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: BASE,
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  };
}

async function send(s: Setup, init: RequestInit & { path: string }, base = BASE) {
  return await s.app.request(`${base}${init.path}`, init);
}

/** Signs in; returns the cookie header value and the page's CSRF token. */
async function signIn(s: Setup, ip = s.nextIp()): Promise<{ cookie: string; csrf: string }> {
  const r = await send(s, post("/admin/sign-in", { token: TOKEN }, { "x-forwarded-for": ip }));
  assert.equal(r.status, 303);
  const set = r.headers.get("set-cookie") ?? "";
  const cookie = set.split(";")[0];
  const page = await s.app.request(`${BASE}/admin/zones`, { headers: { cookie } });
  assert.equal(page.status, 200);
  const m = /name="_csrf" value="([^"]+)"/.exec(await page.text());
  assert.ok(m, "every page carries the CSRF token");
  return { cookie, csrf: m[1] };
}

Deno.test("without a session: pages redirect to sign-in, posts are 401 and change nothing", async () => {
  const s = await setup();
  for (const path of ["/admin", "/admin/zones", "/admin/keys", "/admin/nodes", "/admin/audit"]) {
    const r = await s.app.request(`${BASE}${path}`);
    assert.equal(r.status, 303, path);
    assert.equal(r.headers.get("location"), "/admin/sign-in", path);
  }
  const r = await send(s, post("/admin/zones", { name: "nosession.test", _csrf: "x" }));
  assert.equal(r.status, 401);
  assert.deepEqual(await listZones(s.db.client), []);
  const signInPage = await s.app.request(`${BASE}/admin/sign-in`);
  assert.equal(signInPage.status, 200);
  const csp = signInPage.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'none'/);
  assert.match(await signInPage.text(), /<label>Operator token<input type="password"/);
});

Deno.test("sign-in sets an HttpOnly SameSite=Strict expiring cookie, Secure over TLS", async () => {
  const s = await setup();
  const r = await send(
    s,
    post("/admin/sign-in", { token: TOKEN }, { "x-forwarded-for": "192.0.2.9" }),
  );
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/admin/overview");
  const set = r.headers.get("set-cookie") ?? "";
  assert.match(set, /^dmp_admin_session=\d+\.[\w-]{24}\.[\w-]{43};/);
  assert.match(set, /; HttpOnly/);
  assert.match(set, /; SameSite=Strict/);
  assert.match(set, /; Path=\/admin/);
  assert.match(set, new RegExp(`; Max-Age=${SESSION_SECONDS}`));
  assert.doesNotMatch(set, /Secure/);
  const tls = await send(
    s,
    post("/admin/sign-in", { token: TOKEN }, { origin: "https://edge.test" }),
    "https://edge.test",
  );
  assert.equal(tls.status, 303);
  assert.match(tls.headers.get("set-cookie") ?? "", /; Secure/);
  const rows = await listAudit(s.db.client, { limit: 10 });
  const signIns = rows.filter((a) => a.event === "dashboard.sign_in");
  assert.equal(signIns.length, 2);
  // Newest first: the first sign-in came through the trusted proxy header.
  assert.equal(signIns[1].remoteAddr, "192.0.2.9");
});

Deno.test("a wrong token is refused and audited; the 11th attempt is rate limited even with the right one", async () => {
  const s = await setup();
  const ip = "198.51.100.7";
  for (let i = 0; i < 10; i++) {
    const r = await send(
      s,
      post("/admin/sign-in", { token: `wrong-${i}` }, { "x-forwarded-for": ip }),
    );
    assert.equal(r.status, 401);
    assert.equal(r.headers.get("set-cookie"), null);
    assert.doesNotMatch(await r.text(), /wrong-/, "the presented token is never echoed");
  }
  const limited = await send(
    s,
    post("/admin/sign-in", { token: TOKEN }, { "x-forwarded-for": ip }),
  );
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("set-cookie"), null);
  const failed = (await listAudit(s.db.client, { limit: 50 }))
    .filter((a) => a.event === "dashboard.sign_in_failed");
  assert.equal(failed.length, 10);
  assert.equal(failed[0].remoteAddr, ip);
  assert.ok(failed.every((a) => !a.detail.includes("wrong-")), "no secret in the audit log");
  // Another address is not held back by this one's failures.
  await signIn(s, "198.51.100.8");
});

Deno.test("sign-in from another site is refused (login CSRF)", async () => {
  const s = await setup();
  const r = await send(
    s,
    post("/admin/sign-in", { token: TOKEN }, { origin: "https://evil.example" }),
  );
  assert.equal(r.status, 403);
  assert.equal(r.headers.get("set-cookie"), null);
});

Deno.test("CSRF: no token, another session's token, a cross-site Origin or Sec-Fetch-Site are 403 and change nothing", async () => {
  const s = await setup();
  const a = await signIn(s);
  const b = await signIn(s);
  assert.notEqual(a.csrf, b.csrf, "the form token is bound to the session");
  const zone = { name: "csrf.test", apex_ns: "ns1.csrf.test" };
  const attempts: [string, RequestInit & { path: string }][] = [
    ["no token", post("/admin/zones", zone, { cookie: a.cookie })],
    ["empty token", post("/admin/zones", { ...zone, _csrf: "" }, { cookie: a.cookie })],
    [
      "other session's token",
      post("/admin/zones", { ...zone, _csrf: b.csrf }, { cookie: a.cookie }),
    ],
    [
      "cross-site Origin",
      post("/admin/zones", { ...zone, _csrf: a.csrf }, {
        cookie: a.cookie,
        origin: "https://evil.example",
      }),
    ],
    [
      "Origin null",
      post("/admin/zones", { ...zone, _csrf: a.csrf }, { cookie: a.cookie, origin: "null" }),
    ],
    [
      "cross-site fetch without Origin",
      {
        path: "/admin/zones",
        method: "POST",
        headers: {
          cookie: a.cookie,
          "content-type": "application/x-www-form-urlencoded",
          "sec-fetch-site": "cross-site",
        },
        body: new URLSearchParams({ ...zone, _csrf: a.csrf }).toString(),
      },
    ],
    [
      "JSON body",
      {
        path: "/admin/zones",
        method: "POST",
        headers: { cookie: a.cookie, origin: BASE, "content-type": "application/json" },
        body: JSON.stringify({ ...zone, _csrf: a.csrf }),
      },
    ],
    ["sign-out without token", post("/admin/sign-out", {}, { cookie: a.cookie })],
  ];
  for (const [what, init] of attempts) {
    const r = await send(s, init);
    assert.equal(r.status, 403, what);
  }
  assert.deepEqual(await listZones(s.db.client), []);
  const refused = (await listAudit(s.db.client, { limit: 50 }))
    .filter((x) => x.event === "dashboard.csrf_refused");
  assert.equal(refused.length, attempts.length);
  // The same form with its token and this site's Origin goes through, via the operator API.
  const ok = await send(s, post("/admin/zones", { ...zone, _csrf: a.csrf }, { cookie: a.cookie }));
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/admin/zones?done=zone-created");
  assert.deepEqual((await listZones(s.db.client)).map((z) => z.name), ["csrf.test"]);
  const apiRow = (await listAudit(s.db.client, { limit: 5 })).find((x) => x.actor === "operator");
  assert.equal(apiRow?.event, "POST /v1/admin/zones");
});

Deno.test("a forged, expired or signed-out session is no session", async () => {
  const s = await setup();
  const a = await signIn(s);
  const [name, value] = a.cookie.split("=");
  const parts = value.split(".");
  const flipped = parts[2][0] === "A" ? "B" + parts[2].slice(1) : "A" + parts[2].slice(1);
  const forged = [
    `${name}=${parts[0]}.${parts[1]}.${flipped}`,
    `${name}=${Number(parts[0]) + 3600}.${parts[1]}.${parts[2]}`,
    `${name}=${value}x`,
  ];
  for (const cookie of forged) {
    const r = await s.app.request(`${BASE}/admin/zones`, { headers: { cookie } });
    assert.equal(r.status, 303, cookie);
  }
  // Signing out ends the session on the server: the old cookie no longer works anywhere.
  const out = await send(s, post("/admin/sign-out", { _csrf: a.csrf }, { cookie: a.cookie }));
  assert.equal(out.status, 303);
  assert.match(out.headers.get("set-cookie") ?? "", /Max-Age=0/);
  const replay = await s.app.request(`${BASE}/admin/zones`, { headers: { cookie: a.cookie } });
  assert.equal(replay.status, 303);
  const replayPost = await send(
    s,
    post("/admin/zones", { name: "replay.test", _csrf: a.csrf }, { cookie: a.cookie }),
  );
  assert.equal(replayPost.status, 401);
  assert.deepEqual(await listZones(s.db.client), []);
  // Expiry: a session is good until its lifetime ends, not after.
  const b = await signIn(s);
  s.advance(SESSION_SECONDS - 5);
  assert.equal(
    (await s.app.request(`${BASE}/admin/keys`, { headers: { cookie: b.cookie } })).status,
    200,
  );
  s.advance(10);
  assert.equal(
    (await s.app.request(`${BASE}/admin/keys`, { headers: { cookie: b.cookie } })).status,
    303,
  );
});

Deno.test("record forms are validated by the operator API: a bad value is a 400 naming the field", async () => {
  const s = await setup();
  const a = await signIn(s);
  const mk = await send(
    s,
    post("/admin/zones", { name: "val.test", _csrf: a.csrf }, { cookie: a.cookie }),
  );
  assert.equal(mk.status, 303);
  const bad = await send(
    s,
    post("/admin/zones/val.test/records", {
      name: "www",
      type: "A",
      value: "300.1.2.3",
      ttl: "300",
      _csrf: a.csrf,
    }, { cookie: a.cookie }),
  );
  assert.equal(bad.status, 400);
  const html = await bad.text();
  assert.match(html, /role="alert">value: /);
  assert.match(html, /value="300\.1\.2\.3"/, "what was typed is kept in the form");
  const badTtl = await send(
    s,
    post("/admin/zones/val.test/records", {
      name: "www",
      type: "A",
      value: "192.0.2.1",
      ttl: "soon",
      _csrf: a.csrf,
    }, { cookie: a.cookie }),
  );
  assert.equal(badTtl.status, 400);
  assert.match(await badTtl.text(), /role="alert">ttl: /);
  const outside = await send(
    s,
    post("/admin/zones/val.test/records", {
      name: "www.other.test.",
      type: "A",
      value: "192.0.2.1",
      _csrf: a.csrf,
    }, { cookie: a.cookie }),
  );
  assert.equal(outside.status, 400);
  assert.match(await outside.text(), /role="alert">name: /);
  const records = await readZoneRecords(s.db.client, "val.test", 1_800_000_000);
  assert.equal(records.filter((r) => r.type === "A").length, 0);
  // The good one goes in, its name read relative to the zone.
  const good = await send(
    s,
    post("/admin/zones/val.test/records", {
      name: "www",
      type: "A",
      value: "192.0.2.1",
      ttl: "300",
      _csrf: a.csrf,
    }, { cookie: a.cookie }),
  );
  assert.equal(good.status, 303);
  const after = await readZoneRecords(s.db.client, "val.test", 1_800_000_000);
  assert.deepEqual(
    after.filter((r) => r.type === "A").map((r) => [r.name, r.value]),
    [["www.val.test", "192.0.2.1"]],
  );
});

Deno.test("the dashboard is off (404) without an operator token", async () => {
  const db = await freshDatabase();
  const app = createApp({
    client: db.client,
    config: loadConfig({ DMP_LOG_LEVEL: "ERROR" }),
    clock: Date.now,
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    metrics: new MetricsRegistry(),
  });
  assert.equal((await app.request(`${BASE}/admin/sign-in`)).status, 404);
  assert.equal((await app.request(`${BASE}/admin/zones`)).status, 404);
});

Deno.test("re-posting the issue-token form (a reload) issues nothing more and shows no secret", async () => {
  const s = await setup();
  const { cookie, csrf } = await signIn(s);
  const keys = await (await s.app.request(`${BASE}/admin/keys`, { headers: { cookie } })).text();
  const once = /name="_once" value="([\w-]{24})"/.exec(keys)?.[1];
  assert.ok(once, "the issue form carries a one-time nonce");
  const form = { subject: "reload@example.org", _csrf: csrf, _once: once };
  const first = await send(s, post("/admin/tokens", form, { cookie }));
  assert.equal(first.status, 201);
  const secret = /id="issued-token">([^<]+)</.exec(await first.text())?.[1];
  assert.ok(secret, "the first post shows the token once");
  // The browser's reload sends the same body again, twice here, and once more concurrently.
  const replays = await Promise.all([
    send(s, post("/admin/tokens", form, { cookie })),
    send(s, post("/admin/tokens", form, { cookie })),
  ]);
  for (const r of replays) {
    assert.equal(r.status, 409);
    const html = await r.text();
    assert.match(html, /already issued/);
    assert.ok(!html.includes(secret), "the secret is not shown again");
    assert.doesNotMatch(html, /id="issued-token"/);
  }
  const tokens = await listTokens(s.db.client);
  assert.equal(tokens.filter((t) => t.subject === "reload@example.org").length, 1);
  const issued = (await listAudit(s.db.client, { limit: 50 }))
    .filter((x) => x.event === "POST /v1/admin/tokens");
  assert.equal(issued.length, 1, "one issue audited");
  // A fresh form (a new nonce) issues again; a missing or made-up nonce is refused.
  const again = await (await s.app.request(`${BASE}/admin/keys`, { headers: { cookie } })).text();
  const next = /name="_once" value="([\w-]{24})"/.exec(again)?.[1];
  assert.ok(next && next !== once);
  const second = await send(s, post("/admin/tokens", { ...form, _once: next }, { cookie }));
  assert.equal(second.status, 201);
  for (const bad of [{ _once: "" }, { _once: "short" }, { _once: `${once}x` }]) {
    const r = await send(s, post("/admin/tokens", { ...form, ...bad }, { cookie }));
    assert.equal(r.status, 400, JSON.stringify(bad));
  }
  assert.equal(
    (await listTokens(s.db.client)).filter((t) => t.subject === "reload@example.org").length,
    2,
  );
});

Deno.test("the query log page: session only, its own script under script-src 'self', hostile names escaped", async () => {
  const s = await setup();
  for (const path of ["/admin/query-log", "/admin/query-log/stream", "/admin/query-log.js"]) {
    const r = await s.app.request(`${BASE}${path}`);
    assert.equal(r.status, 303, path);
  }
  const evil = `<script>alert(1)</script>"'&.example`;
  await s.db.client.batch(
    queryLogAppendStatements("n1:53", [{
      tsMs: 1_800_000_000_000,
      name: evil,
      qtype: 16,
      outcome: "nxdomain",
      rcode: 3,
      latencyUs: 40,
      transport: "udp",
      client: "192.0.2.0/24",
    }], 500),
    "write",
  );
  const { cookie } = await signIn(s);
  const page = await s.app.request(`${BASE}/admin/query-log`, { headers: { cookie } });
  assert.equal(page.status, 200);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await page.text();
  assert.ok(!html.includes("<script>alert"), "the name is not markup");
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.match(html, /<script src="\/admin\/query-log.js" defer="">/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, "no inline script");
  const other = await s.app.request(`${BASE}/admin/zones`, { headers: { cookie } });
  assert.match(other.headers.get("content-security-policy") ?? "", /script-src 'none'/);
  const js = await s.app.request(`${BASE}/admin/query-log.js`, { headers: { cookie } });
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
  const source = await js.text();
  assert.ok(!source.includes("innerHTML"), "rows are built with textContent only");
});

Deno.test("the keys page and API show when a TSIG key was last used", async () => {
  const s = await setup({ DMP_TSIG_SECRET_KEY: "5a".repeat(32) });
  for (const name of ["used-key", "idle-key"]) {
    const r = await s.app.request(`${BASE}/v1/admin/tsig-keys/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name, secret: btoa("s".repeat(32)) }),
    });
    assert.equal(r.status, 201);
  }
  // What a node writes after verifying a message (apps/udp-node/update/tsig_last_used.ts);
  // an older time written later (another node, out of order) never moves it back.
  await s.db.client.execute(tsigLastUsedStatement("used-key", 1_800_000_100));
  await s.db.client.execute(tsigLastUsedStatement("used-key", 1_800_000_050));
  const api = await s.app.request(`${BASE}/v1/admin/tsig-keys`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const keys = (await api.json()).tsig_keys as { name: string; last_used_at: number | null }[];
  assert.deepEqual(keys.map((k) => [k.name, k.last_used_at]), [
    ["idle-key", null],
    ["used-key", 1_800_000_100],
  ]);
  const { cookie } = await signIn(s);
  const html = await (await s.app.request(`${BASE}/admin/keys`, { headers: { cookie } })).text();
  const cell = (key: string) =>
    new RegExp(`data-key="${key}"[\\s\\S]*?<td class="last-used">([^<]*)</td>`).exec(html)?.[1];
  assert.equal(cell("used-key"), "2027-01-15 08:01:40Z");
  assert.equal(cell("idle-key"), "never");
});
