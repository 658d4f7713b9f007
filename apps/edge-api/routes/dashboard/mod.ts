/**
 * The operator dashboard at `/admin` (issue 14): server-rendered pages (Hono
 * JSX, one file per view), no script but the query log's own file, no external
 * asset, forms posting back.
 * Disabled (404) when no operator token is configured, like the operator API.
 *
 * | route | what |
 * | --- | --- |
 * | `GET/POST /admin/sign-in` | the token form; sets the session cookie |
 * | `GET /admin`, `GET /admin/overview?refresh=` | per-node rates, lag and sparklines, store figures, the edge's request rates (`overview_page.tsx`) |
 * | `POST /admin/sign-out` | clears it |
 * | `GET /admin/zones`, `POST /admin/zones`, `POST /admin/zones/{zone}/delete` | zones |
 * | `GET /admin/zones/{zone}`, `POST …/records`, `POST …/records/delete` | a zone's records, serial, transfer and signing state |
 * | `GET /admin/zones/{zone}/export`, `POST /admin/zones/{zone}/dnssec` | the master file (text/dns attachment); turn signing on |
 * | `POST /admin/import`, `POST /admin/import/apply` | import a master file (multipart): preview, then apply with the preview's fingerprint |
 * | `GET /admin/keys`, `POST /admin/tokens`, `POST /admin/tokens/{hash}/revoke`, `POST /admin/tsig-keys/{name}/revoke` | keys and tokens |
 * | `GET /admin/nodes`, `GET /admin/audit?before_id=` | heartbeat directory, audit log |
 * | `GET /admin/query-log?node=&before_id=`, `GET /admin/query-log/stream`, `GET /admin/query-log.js` | the query log, its event stream (as the API's) and its script |
 *
 * Every change is made by handing the form, as JSON, to the operator API
 * (`routes/admin/mod.ts`) in-process with the operator token: the same
 * validators, the same store calls, the same audit row, and nothing the API
 * lacks. Reads call the store functions the API's GET routes call.
 *
 * Security: a session is an HMAC-signed, expiring cookie (`session.ts`:
 * HttpOnly, SameSite=Strict, Path=/admin, Secure over TLS) backed by a row
 * that sign-out deletes (`store/dashboard_sessions.ts`); every POST but
 * sign-in needs it, an Origin (or Sec-Fetch-Site) of this site, and the
 * session's CSRF token (constant-time compare); sign-in needs the same
 * origin and is rate limited per client address, and every attempt is
 * audited. Pages carry `default-src 'self'` with `script-src 'none'` (the
 * query log page: `'self'`, for its one script file) and the stylesheet
 * allowed by hash.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { operatorToken, servedZone } from "../../../../packages/core/config/env.ts";
import { timingSafeEqual } from "../../../../packages/core/crypto/timing_safe_equal.ts";
import { readCappedBody } from "../../../../packages/core/http/capped_body.ts";
import { auditStatement, listAudit } from "../../../../packages/core/store/audit.ts";
import {
  closeDashboardSession,
  isDashboardSessionOpen,
  openDashboardSession,
} from "../../../../packages/core/store/dashboard_sessions.ts";
import { listRecentHeartbeats } from "../../../../packages/core/store/heartbeats_seen.ts";
import {
  countLiveRecords,
  readJournalHead,
  readZoneRecords,
} from "../../../../packages/core/store/records.ts";
import { listTokens } from "../../../../packages/core/store/tokens.ts";
import {
  consumeFormNonce,
  FORM_NONCE,
  newFormNonce,
} from "../../../../packages/core/store/dashboard_form_uses.ts";
import { listTsigKeys } from "../../../../packages/core/store/tsig_keys.ts";
import { listZones, readZone } from "../../../../packages/core/store/zones.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { clientAddress } from "../../client_address.ts";
import { allowRequest } from "../../middleware/rate_limit/mod.ts";
import { adminRoutes, MAX_ZONE_FILE_BYTES } from "../admin/mod.ts";

import { queryLogStream, readQueryLogPage } from "../admin/query_log.ts";
import { QUERY_LOG_FIELD_MAX } from "../../../../packages/core/store/query_log.ts";
import {
  QUERY_LOG_PAGE_SIZE,
  QUERY_LOG_SCRIPT_PATH,
  renderQueryLogPage,
} from "./query_log_page.tsx";
import { QUERY_LOG_SCRIPT } from "./query_log_script.ts";
import { AUDIT_PAGE_SIZE, renderAuditPage } from "./audit_page.tsx";
import { renderKeysPage } from "./keys_page.tsx";
import { DASHBOARD_STYLE } from "./layout.tsx";
import { FRESH_SECONDS } from "../nodes/nodes_page.tsx";
import { renderNodesView } from "./nodes_view.tsx";
import { REFRESH_CHOICES, renderOverviewPage } from "./overview_page.tsx";
import { readEdgeStats, readNodesStats } from "../admin/stats.ts";
import { renderRecordsPage } from "./records_page.tsx";
import {
  checkCsrf,
  csrfToken,
  mintSession,
  type Session,
  SESSION_COOKIE,
  SESSION_SECONDS,
  verifySession,
} from "./session.ts";
import { renderSignInPage } from "./sign_in_page.tsx";
import { renderZonesPage } from "./zones_page.tsx";
import { ImportPreviewJson, renderImportPreviewPage } from "./zone_import_page.tsx";
import { readZoneListState, readZoneState } from "./zone_state.ts";

/** Largest form body (a record value is at most a few KiB of presentation text). */
const MAX_FORM_BYTES = 16384;
/** Sign-in attempts per client address: a burst of 10, then one every 30 s. */
const SIGN_IN_RATE = 1 / 30;
const SIGN_IN_BURST = 10;
/** Nodes listed on the nodes view (as `/nodes`). */
const NODES_LIMIT = 500;

/** Fixed notices a redirect may name (`?done=`): no free text travels in a URL. */
const NOTICES: Record<string, string> = {
  "zone-created": "Zone saved.",
  "zone-deleted": "Zone deleted.",
  "record-added": "Record added.",
  "record-deleted": "Record deleted.",
  "zone-imported": "Master file imported.",
  "signing-enabled": "DNSSEC signing is on; nodes sign after their next sync.",
  "token-revoked": "Token revoked.",
  "key-revoked": "TSIG key revoked.",
  "signed-out": "Signed out.",
};

/** Paths whose forms carry a master file (multipart, up to the API's cap plus the other fields). */
const IMPORT_PATHS = new Set(["/admin/import", "/admin/import/apply"]);
const MAX_IMPORT_FORM_BYTES = MAX_ZONE_FILE_BYTES + 65536;

type Env = {
  Variables: { session: Session; form: URLSearchParams; files: Map<string, Uint8Array> };
};

async function sha256Base64(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let bin = "";
  for (const b of new Uint8Array(d)) bin += String.fromCharCode(b);
  return btoa(bin);
}

let cspPromise: Promise<string> | undefined;

/**
 * `default-src 'self'`, our one stylesheet by hash, forms to ourselves only, and no script,
 * except on pages that load our own script file (the query log): `script-src 'self'` there,
 * still nothing inline.
 */
async function dashboardCsp(script: boolean): Promise<string> {
  cspPromise ??= sha256Base64(DASHBOARD_STYLE).then((style) =>
    [
      "default-src 'self'",
      `style-src 'sha256-${style}'`,
      "script-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; ")
  );
  const csp = await cspPromise;
  return script ? csp.replace("script-src 'none'", "script-src 'self'") : csp;
}

/** True when the request came over TLS (directly, or through a proxy that says so). */
function overTls(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.toLowerCase() === "https";
}

/**
 * The cross-site check of a state-changing request: the Origin header, when
 * present, must name this host (browsers send it on every form POST); with
 * none, Sec-Fetch-Site must not say another site. A request with neither
 * comes from no browser, so it cannot be a forged one; the CSRF token still
 * applies. The host is compared, not the scheme: behind a TLS-terminating
 * proxy the app sees http while the browser says https.
 */
function sameOrigin(c: Context): boolean {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    try {
      return new URL(origin).host.toLowerCase() === host.toLowerCase();
    } catch {
      return false; // "null" (sandboxed or privacy-redirected) or garbage
    }
  }
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}

/** A posted form: its text fields and (multipart only) its non-empty files' bytes. */
type FormRead =
  | { kind: "ok"; form: URLSearchParams; files: Map<string, Uint8Array> }
  | { kind: "too_large"; cap: number }
  | { kind: "invalid" };

/**
 * Reads a form body: urlencoded everywhere, capped at {@linkcode MAX_FORM_BYTES};
 * multipart only on the import paths, capped at {@linkcode MAX_IMPORT_FORM_BYTES}
 * (the body is read with the cap before it is parsed, so a larger one is never held).
 */
async function readForm(c: Context): Promise<FormRead> {
  const type = c.req.header("content-type") ?? "";
  const multipart = IMPORT_PATHS.has(c.req.path) && /^multipart\/form-data\b/i.test(type);
  if (!multipart && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    return { kind: "invalid" };
  }
  const cap = multipart ? MAX_IMPORT_FORM_BYTES : MAX_FORM_BYTES;
  const bytes = await readCappedBody(c.req.raw, cap);
  if (bytes === null) return { kind: "too_large", cap };
  const files = new Map<string, Uint8Array>();
  try {
    if (!multipart) {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return { kind: "ok", form: new URLSearchParams(text), files };
    }
    const body = bytes as Uint8Array<ArrayBuffer>; // readCappedBody allocates a fresh ArrayBuffer
    const data = await new Response(body, { headers: { "content-type": type } }).formData();
    const form = new URLSearchParams();
    for (const [k, v] of data) {
      if (typeof v === "string") form.append(k, v);
      else if (v.size > 0) files.set(k, new Uint8Array(await v.arrayBuffer()));
    }
    return { kind: "ok", form, files };
  } catch {
    return { kind: "invalid" };
  }
}

function formObject(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form) if (k !== "_csrf" && k !== "_once") out[k] = v;
  return out;
}

/** A form number: empty = absent; digits = a number; anything else goes on, for the API to name. */
function num(s: string | null): number | string | undefined {
  const t = (s ?? "").trim();
  if (t === "") return undefined;
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** A list field: host names or addresses separated by spaces or commas; empty = absent. */
function list(s: string | null): string[] | undefined {
  const items = (s ?? "").split(/[\s,]+/).filter((x) => x !== "");
  return items.length ? items : undefined;
}

/** Drops absent fields so the API's strict schemas see only what the operator filled in. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * An owner name from the add form: `@` is the apex, a name ending in a dot or
 * in the zone is taken as it is, anything else is relative to the zone (as
 * in a master file, RFC 1035 §5.1).
 */
function ownerName(input: string, zone: string): string {
  const n = input.trim().toLowerCase();
  if (n === "@" || n === "") return zone;
  if (n.endsWith(".")) return n.slice(0, -1);
  if (n === zone || n.endsWith("." + zone)) return n;
  return `${n}.${zone}`;
}

/**
 * Builds the dashboard routes.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function dashboardRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono<Env>();
  const token = operatorToken(deps.config);
  if (!token) return app as unknown as Hono;
  const api = adminRoutes(deps);

  async function page(
    c: Context,
    html: string,
    status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 413 | 429 = 200,
    options: { script?: boolean } = {},
  ) {
    return c.html(html, status, {
      "content-security-policy": await dashboardCsp(options.script ?? false),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      // Not no-referrer: under it Chromium sends `Origin: null` on form posts, which the
      // origin check must refuse. same-origin keeps URLs from leaving the site all the same.
      "referrer-policy": "same-origin",
    });
  }

  function audit(c: Context, event: string, detail: string) {
    return deps.client.execute(auditStatement({
      ts: deps.nowSeconds(),
      actor: "dashboard",
      event,
      subject: "",
      remoteAddr: clientAddress(c, deps),
      detail,
    }));
  }

  /**
   * Sends a request to the operator API in-process (a JSON object, or text as
   * text/plain): the same validation, store calls and audit row.
   */
  async function fetchApi(
    c: Context,
    method: string,
    path: string,
    body?: Record<string, unknown> | string,
  ): Promise<Response> {
    const headers = new Headers({ authorization: `Bearer ${token}` });
    if (typeof body === "string") headers.set("content-type", "text/plain; charset=utf-8");
    else if (body !== undefined) headers.set("content-type", "application/json");
    // The audit row's address comes from the same headers the original request carried.
    const trusted = deps.config.DMP_TRUSTED_PROXY_HEADER;
    for (const h of [trusted, "cf-connecting-ip"]) {
      const v = h ? c.req.header(h) : undefined;
      if (h && v !== undefined) headers.set(h, v);
    }
    const req = new Request(new URL(path, c.req.url), {
      method,
      headers,
      body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
    });
    let ctx;
    try {
      ctx = c.executionCtx;
    } catch { /* not on Workers */ }
    return await api.fetch(req, c.env, ctx);
  }

  /** {@linkcode fetchApi}, the answer read as JSON (`{}` for none). */
  async function callApi(
    c: Context,
    method: string,
    path: string,
    body?: Record<string, unknown> | string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetchApi(c, method, path, body);
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch { /* 204 or not JSON */ }
    return { status: res.status, json };
  }

  function apiError(r: { status: number; json: Record<string, unknown> }): string {
    return typeof r.json.error === "string" ? r.json.error : `the API answered ${r.status}`;
  }

  function errorStatus(s: number): 400 | 404 | 409 | 413 {
    return s === 404 || s === 409 || s === 413 ? s : 400;
  }

  function notice(c: Context): string | undefined {
    return NOTICES[c.req.query("done") ?? ""];
  }

  // ---- sign-in / sign-out (no session needed to reach sign-in) ----

  app.get("/admin/sign-in", (c) => page(c, renderSignInPage({ notice: notice(c) })));

  app.post("/admin/sign-in", async (c) => {
    if (!sameOrigin(c)) {
      return page(c, renderSignInPage({ error: "Cross-site request refused." }), 403);
    }
    const ok = await allowRequest(deps, {
      key: `admin-signin:${clientAddress(c, deps)}`,
      rate: SIGN_IN_RATE,
      burst: SIGN_IN_BURST,
    });
    if (!ok) {
      // Not audited: a flood of refused attempts must not become a flood of writes.
      return page(c, renderSignInPage({ error: "Too many sign-in attempts; wait a minute." }), 429);
    }
    const read = await readForm(c);
    const presented = read.kind === "ok" ? read.form.get("token")?.trim() ?? "" : "";
    if (!timingSafeEqual(presented, token)) {
      await audit(c, "dashboard.sign_in_failed", "wrong token");
      return page(c, renderSignInPage({ error: "That is not the operator token." }), 401);
    }
    const now = deps.nowSeconds();
    const { cookie, session } = await mintSession(token, now, deps.random);
    await openDashboardSession(deps.client, { ...session, now });
    setCookie(c, SESSION_COOKIE, cookie, {
      path: "/admin",
      httpOnly: true,
      secure: overTls(c),
      sameSite: "Strict",
      maxAge: SESSION_SECONDS,
    });
    await audit(c, "dashboard.sign_in", "");
    return c.redirect("/admin/overview", 303);
  });

  // ---- everything else needs a session; POSTs also the origin and the CSRF token ----

  app.use("/admin/*", async (c, next) => {
    if (c.req.path === "/admin/sign-in") return await next();
    const now = deps.nowSeconds();
    // The MAC first: a forged cookie costs no read; then the row sign-out deletes.
    const signed = await verifySession(token, getCookie(c, SESSION_COOKIE) ?? "", now);
    const session = signed && await isDashboardSessionOpen(deps.client, signed.nonce, now)
      ? signed
      : undefined;
    if (!session) {
      if (c.req.method === "GET" || c.req.method === "HEAD") {
        return c.redirect("/admin/sign-in", 303);
      }
      return page(c, renderSignInPage({ error: "Sign in first." }), 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      if (!sameOrigin(c)) {
        await audit(c, "dashboard.csrf_refused", `cross-site ${c.req.method} ${c.req.path}`);
        return c.text("cross-site request refused", 403);
      }
      const read = await readForm(c);
      if (read.kind === "too_large") {
        return c.text(`the form exceeds ${read.cap} bytes`, 413);
      }
      if (read.kind !== "ok" || !await checkCsrf(token, session, read.form.get("_csrf") ?? "")) {
        await audit(c, "dashboard.csrf_refused", `bad form token ${c.req.method} ${c.req.path}`);
        return c.text("missing or wrong form token", 403);
      }
      c.set("form", read.form);
      c.set("files", read.files);
    }
    c.set("session", session);
    await next();
  });

  app.get("/admin", (c) => c.redirect("/admin/overview", 303));

  app.get("/admin/overview", async (c) => {
    const now = deps.nowSeconds();
    const t0 = deps.clock();
    const zones = await listZones(deps.client);
    const storeReadMs = deps.clock() - t0;
    const [liveRecords, journalHead, tokens, keys, nodes, nodeStats] = await Promise.all([
      countLiveRecords(deps.client, now),
      readJournalHead(deps.client),
      listTokens(deps.client),
      listTsigKeys(deps.client),
      listRecentHeartbeats(deps.client, { now, limit: NODES_LIMIT }),
      readNodesStats(deps),
    ]);
    const refresh = Number(c.req.query("refresh"));
    return page(
      c,
      renderOverviewPage({
        csrf: await csrfToken(token, c.get("session")),
        nodes: nodeStats,
        edge: readEdgeStats(deps),
        refresh: REFRESH_CHOICES.includes(refresh) ? refresh : undefined,
        figures: {
          storeReadMs,
          zones: zones.length,
          liveRecords,
          journalHead,
          liveTokens: tokens.filter((t) =>
            !t.revokedAt && (t.expiresAt === null || t.expiresAt > now)
          ).length,
          liveTsigKeys: keys.filter((k) => !k.revoked && (k.expiresAt === 0 || k.expiresAt > now))
            .length,
          nodesFresh: nodes.filter((n) => now - n.ts < FRESH_SECONDS).length,
          nodesHeard: nodes.length,
        },
      }),
    );
  });

  app.post("/admin/sign-out", async (c) => {
    await closeDashboardSession(deps.client, c.get("session").nonce);
    deleteCookie(c, SESSION_COOKIE, { path: "/admin", secure: overTls(c) });
    await audit(c, "dashboard.sign_out", "");
    return c.redirect("/admin/sign-in?done=signed-out", 303);
  });

  // ---- zones ----

  async function zonesPage(
    c: Context<Env>,
    extra: {
      error?: string;
      form?: Record<string, string>;
      importForm?: Record<string, string>;
    } = {},
    status: 200 | 400 | 404 | 409 | 413 = 200,
  ) {
    const csrf = await csrfToken(token!, c.get("session"));
    const [zones, state] = await Promise.all([listZones(deps.client), readZoneListState(deps)]);
    return page(c, renderZonesPage({ zones, state, csrf, notice: notice(c), ...extra }), status);
  }

  app.get("/admin/zones", (c) => zonesPage(c));

  app.post("/admin/zones", async (c) => {
    const f = c.get("form");
    const r = await callApi(
      c,
      "POST",
      "/v1/admin/zones",
      defined({
        name: f.get("name")?.trim() ?? "",
        apex_ns: list(f.get("apex_ns")),
        apex_a: list(f.get("apex_a")),
        apex_aaaa: list(f.get("apex_aaaa")),
        apex_ttl: num(f.get("apex_ttl")),
        soa_mname: f.get("soa_mname")?.trim() || undefined,
        soa_rname: f.get("soa_rname")?.trim() || undefined,
        soa_refresh: num(f.get("soa_refresh")),
        soa_retry: num(f.get("soa_retry")),
        soa_expire: num(f.get("soa_expire")),
        soa_minimum: num(f.get("soa_minimum")),
      }),
    );
    if (r.status === 201) return c.redirect("/admin/zones?done=zone-created", 303);
    return zonesPage(c, { error: apiError(r), form: formObject(f) }, errorStatus(r.status));
  });

  app.post("/admin/zones/:zone/delete", async (c) => {
    const zone = c.req.param("zone");
    const r = await callApi(c, "DELETE", `/v1/admin/zones/${encodeURIComponent(zone)}`);
    if (r.status === 200) return c.redirect("/admin/zones?done=zone-deleted", 303);
    return zonesPage(c, { error: apiError(r) }, errorStatus(r.status));
  });

  // ---- records ----

  async function recordsPage(
    c: Context<Env>,
    zoneParam: string,
    extra: {
      error?: string;
      form?: Record<string, string>;
      importForm?: Record<string, string>;
    } = {},
    status: 200 | 400 | 404 | 409 | 413 = 200,
  ) {
    const zone = zoneParam.trim().toLowerCase().replace(/\.$/, "");
    const csrf = await csrfToken(token!, c.get("session"));
    const row = await readZone(deps.client, zone);
    if (!row) {
      return zonesPage(c, { error: `No zone ${zone}.` }, 404);
    }
    const now = deps.nowSeconds();
    const [records, state] = await Promise.all([
      readZoneRecords(deps.client, zone, now),
      readZoneState(deps, zone),
    ]);
    const type = (c.req.query("type") ?? "").toUpperCase().slice(0, 16);
    const q = (c.req.query("q") ?? "").slice(0, 200);
    return page(
      c,
      renderRecordsPage({
        zone,
        records,
        now,
        csrf,
        type,
        q,
        serial: row.serial,
        state,
        notice: notice(c),
        ...extra,
      }),
      status,
    );
  }

  app.get("/admin/zones/:zone", (c) => recordsPage(c, c.req.param("zone")));

  app.post("/admin/zones/:zone/records", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const f = c.get("form");
    const r = await callApi(
      c,
      "POST",
      `/v1/admin/zones/${encodeURIComponent(zone)}/records`,
      defined({
        name: ownerName(f.get("name") ?? "", zone),
        type: (f.get("type") ?? "").trim().toUpperCase(),
        value: f.get("value") ?? "",
        ttl: num(f.get("ttl")),
        lifetime: num(f.get("lifetime")),
      }),
    );
    const back = `/admin/zones/${encodeURIComponent(zone)}`;
    if (r.status === 201) return c.redirect(`${back}?done=record-added`, 303);
    return recordsPage(c, zone, { error: apiError(r), form: formObject(f) }, errorStatus(r.status));
  });

  app.post("/admin/zones/:zone/records/delete", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const f = c.get("form");
    const r = await callApi(
      c,
      "DELETE",
      `/v1/admin/zones/${encodeURIComponent(zone)}/records`,
      defined({
        name: f.get("name") ?? "",
        type: f.get("type") || undefined,
        value: f.get("value") ?? undefined,
      }),
    );
    const back = `/admin/zones/${encodeURIComponent(zone)}`;
    if (r.status === 204) return c.redirect(`${back}?done=record-deleted`, 303);
    return recordsPage(c, zone, { error: apiError(r) }, errorStatus(r.status));
  });

  // ---- export, signing, import ----

  app.get("/admin/zones/:zone/export", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const res = await fetchApi(c, "GET", `/v1/admin/zones/${encodeURIComponent(zone)}/export`);
    if (res.status !== 200) {
      const text = await res.text();
      let error = `the API answered ${res.status}`;
      try {
        error = String(JSON.parse(text).error ?? error);
      } catch { /* not JSON */ }
      return zonesPage(c, { error }, errorStatus(res.status));
    }
    // RFC 4027: text/dns is the media type of a master file. The name is the zone's, in
    // characters that need no quoting (zone names are validated host names).
    const file = `${zone.replace(/[^a-z0-9._-]/g, "_") || "root"}.zone`;
    return c.body(await res.text(), 200, {
      "content-type": "text/dns; charset=utf-8",
      "content-disposition": `attachment; filename="${file}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
  });

  app.post("/admin/zones/:zone/dnssec", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const r = await callApi(
      c,
      "POST",
      `/v1/admin/zones/${encodeURIComponent(zone)}/dnssec`,
      defined({ algorithm: num(c.get("form").get("algorithm")) }),
    );
    const back = `/admin/zones/${encodeURIComponent(zone)}`;
    if (r.status === 201 || r.status === 200) {
      return c.redirect(`${back}?done=signing-enabled`, 303);
    }
    return recordsPage(c, zone, { error: apiError(r) }, errorStatus(r.status));
  });

  /**
   * The master file of an import form: the uploaded file when one was chosen, else the
   * text area; line ends normalized (browsers send a text area's as CRLF), so the preview
   * and the apply hash the same text.
   */
  function importedText(
    c: Context<Env>,
  ): { ok: true; text: string } | { ok: false; error: string } {
    const file = c.get("files").get("file");
    let text = c.get("form").get("text") ?? "";
    if (file) {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(file);
      } catch {
        return { ok: false, error: "file: the master file is not UTF-8" };
      }
    }
    text = text.replace(/\r\n?/g, "\n");
    if (text.trim() === "") {
      return { ok: false, error: "text: paste a master file or choose one to upload" };
    }
    return { ok: true, text };
  }

  /** Where an import error is shown: the zone's page when it exists, else the zones list. */
  async function importError(
    c: Context<Env>,
    zone: string,
    error: string,
    status: 400 | 404 | 409 | 413,
  ) {
    const f = c.get("form");
    const form = { zone, text: f.get("text") ?? "", replace: f.get("replace") ?? "" };
    if (zone && await readZone(deps.client, zone)) {
      return recordsPage(c, zone, { error, importForm: form }, status);
    }
    return zonesPage(c, { error, importForm: form }, status);
  }

  /** The API's import error, its `body` (the API's name for the file) called the master file. */
  function importApiError(r: { status: number; json: Record<string, unknown> }): string {
    return apiError(r).replace(/^body: /, "master file: ");
  }

  function importQuery(f: URLSearchParams, extra: Record<string, string>): string {
    const p = new URLSearchParams(extra);
    if (f.get("replace") === "true") p.set("replace", "true");
    return p.toString();
  }

  app.post("/admin/import", async (c) => {
    const f = c.get("form");
    const zone = (f.get("zone") ?? "").trim().toLowerCase().replace(/\.$/, "");
    const t = importedText(c);
    if (!t.ok) return importError(c, zone, t.error, 400);
    if (!zone) return importError(c, zone, "zone: name the zone to import into", 400);
    const r = await callApi(
      c,
      "POST",
      `/v1/admin/zones/${encodeURIComponent(zone)}/import?${importQuery(f, { dry_run: "1" })}`,
      t.text,
    );
    const preview = r.status === 200 ? ImportPreviewJson.safeParse(r.json) : undefined;
    if (!preview?.success) {
      return importError(c, zone, importApiError(r), errorStatus(r.status));
    }
    return page(
      c,
      renderImportPreviewPage({
        preview: preview.data,
        text: t.text,
        replace: f.get("replace") === "true",
        csrf: await csrfToken(token, c.get("session")),
      }),
    );
  });

  app.post("/admin/import/apply", async (c) => {
    const f = c.get("form");
    const zone = (f.get("zone") ?? "").trim().toLowerCase().replace(/\.$/, "");
    const t = importedText(c);
    if (!t.ok) return importError(c, zone, t.error, 400);
    const r = await callApi(
      c,
      "POST",
      `/v1/admin/zones/${encodeURIComponent(zone)}/import?${
        importQuery(f, { fingerprint: f.get("fingerprint") ?? "" })
      }`,
      t.text,
    );
    if (r.status === 200) {
      return c.redirect(`/admin/zones/${encodeURIComponent(zone)}?done=zone-imported`, 303);
    }
    return importError(c, zone, importApiError(r), errorStatus(r.status));
  });

  // ---- keys and tokens ----

  async function keysPage(
    c: Context<Env>,
    extra: {
      error?: string;
      notice?: string;
      form?: Record<string, string>;
      issued?: { token: string; subject: string };
    } = {},
    status: 200 | 201 | 400 | 404 | 409 | 413 = 200,
  ) {
    const csrf = await csrfToken(token!, c.get("session"));
    const [tokens, keys] = await Promise.all([listTokens(deps.client), listTsigKeys(deps.client)]);
    return page(
      c,
      renderKeysPage({
        tokens,
        keys,
        now: deps.nowSeconds(),
        csrf,
        notice: notice(c),
        // Every rendering of the issue form gets a fresh one-time nonce.
        formNonce: newFormNonce(deps.random),
        ...extra,
      }),
      status,
    );
  }

  app.get("/admin/keys", (c) => keysPage(c));

  app.post("/admin/tokens", async (c) => {
    const f = c.get("form");
    // One-time form (issue 14): a reload re-posting this form must not issue a second token.
    // The nonce is consumed before the API acts, so of two posts of one form only the first
    // can issue; the second is told so, and the secret (never stored) is not shown again.
    const once = f.get("_once") ?? "";
    if (!FORM_NONCE.test(once)) {
      return keysPage(c, { error: "This form is out of date: fill it in again." }, 400);
    }
    const now = deps.nowSeconds();
    if (
      !await consumeFormNonce(deps.client, { nonce: once, now, expiresAt: now + SESSION_SECONDS })
    ) {
      return keysPage(c, {
        notice:
          "That token was already issued when this form was first sent; its secret is not shown again. Revoke it below if it was not copied.",
      }, 409);
    }
    const r = await callApi(
      c,
      "POST",
      "/v1/admin/tokens",
      defined({
        subject: f.get("subject") ?? "",
        rate_per_sec: num(f.get("rate_per_sec")),
        rate_burst: num(f.get("rate_burst")),
        ttl_seconds: num(f.get("ttl_seconds")),
        note: f.get("note") || undefined,
      }),
    );
    if (r.status === 201) {
      // The one time the token exists outside the client: shown on this answer only (no-store).
      return keysPage(c, {
        issued: { token: String(r.json.token), subject: String(r.json.subject) },
      }, 201);
    }
    return keysPage(c, { error: apiError(r), form: formObject(f) }, errorStatus(r.status));
  });

  app.post("/admin/tokens/:hash/revoke", async (c) => {
    const r = await callApi(
      c,
      "DELETE",
      `/v1/admin/tokens/${encodeURIComponent(c.req.param("hash"))}`,
    );
    if (r.status === 200) return c.redirect("/admin/keys?done=token-revoked", 303);
    return keysPage(c, { error: apiError(r) }, errorStatus(r.status));
  });

  app.post("/admin/tsig-keys/:name/revoke", async (c) => {
    const r = await callApi(
      c,
      "DELETE",
      `/v1/admin/tsig-keys/${encodeURIComponent(c.req.param("name"))}`,
    );
    if (r.status === 200) return c.redirect("/admin/keys?done=key-revoked", 303);
    return keysPage(c, { error: apiError(r) }, errorStatus(r.status));
  });

  // ---- nodes and audit ----

  app.get("/admin/nodes", async (c) => {
    const now = deps.nowSeconds();
    const rows = await listRecentHeartbeats(deps.client, { now, limit: NODES_LIMIT });
    return page(
      c,
      renderNodesView({
        rows,
        now,
        csrf: await csrfToken(token, c.get("session")),
        ownHostname: deps.config.DMP_NODE_HOSTNAME ?? "",
        ownZone: servedZone(deps.config),
      }),
    );
  });

  // ---- query log ----

  app.get(QUERY_LOG_SCRIPT_PATH, (c) =>
    c.body(QUERY_LOG_SCRIPT, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "private, max-age=300",
      "x-content-type-options": "nosniff",
    }));

  app.get("/admin/query-log", async (c) => {
    const node = (c.req.query("node") ?? "").slice(0, QUERY_LOG_FIELD_MAX);
    const raw = c.req.query("before_id");
    const before = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    const p = await readQueryLogPage(deps, {
      node: node || undefined,
      beforeId: before,
      limit: QUERY_LOG_PAGE_SIZE,
    });
    const first = before === undefined;
    return page(
      c,
      renderQueryLogPage({
        rows: p.rows,
        nodes: p.nodes,
        node,
        nextBeforeId: p.nextBeforeId,
        first,
        csrf: await csrfToken(token, c.get("session")),
      }),
      200,
      { script: first },
    );
  });

  // The API's stream, for this session (its cookie never reaches /v1/).
  app.get(
    "/admin/query-log/stream",
    (c) => queryLogStream(c, deps, `session:${c.get("session").nonce}`),
  );

  app.get("/admin/audit", async (c) => {
    const raw = c.req.query("before_id");
    const before = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    // One row more than a page tells whether an older page exists.
    const rows = await listAudit(deps.client, { limit: AUDIT_PAGE_SIZE + 1, beforeId: before });
    return page(
      c,
      renderAuditPage({
        rows: rows.slice(0, AUDIT_PAGE_SIZE),
        hasOlder: rows.length > AUDIT_PAGE_SIZE,
        first: before === undefined,
        csrf: await csrfToken(token, c.get("session")),
      }),
    );
  });

  return app as unknown as Hono;
}
