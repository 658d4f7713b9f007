/**
 * The operator API (issue 4; beyond the reference, brief §8.2 #12): every
 * route needs the operator bearer token (constant-time compare) and is
 * disabled (404) when none is configured. Every request is written to the
 * audit log (actor `operator`) after it is answered.
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/admin/tokens` | list tokens (hashes, never tokens) |
 * | `POST /v1/admin/tokens` | issue `{subject, rate_per_sec?, rate_burst?, ttl_seconds?, note?, subject_hash12?}` → the token, once |
 * | `DELETE /v1/admin/tokens/{token_hash}` | revoke (and forget its rate bucket) |
 * | `GET /v1/admin/tsig-keys` | list TSIG keys (no secrets) |
 * | `DELETE /v1/admin/tsig-keys/{name}` | revoke; journalled so udp-nodes drop it within one sync |
 * | `GET /v1/admin/zones` | list zones |
 * | `POST /v1/admin/zones` | create or re-configure `{name, soa_*?, apex_a?, apex_aaaa?, apex_ns?, apex_ttl?, serial_policy?}` |
 * | `DELETE /v1/admin/zones/{zone}` | delete a zone and its records |
 * | `GET /v1/admin/zones/{zone}/export` | the zone as an RFC 1035 master file (text/plain) that imports back to the same zone |
 * | `POST /v1/admin/zones/{zone}/import?replace=&serial_policy=&dry_run=&fingerprint=` | import a master file (text/plain body, no `$INCLUDE`); merge, or replace with `replace=true`; `dry_run=1` writes nothing and returns the difference and its `fingerprint`; with `fingerprint=` the import is refused (409) when the zone, file or options differ from that preview |
 * | `GET /v1/admin/zones/{zone}/records` | live records of a zone |
 * | `POST /v1/admin/zones/{zone}/records` | add `{name, type, value, ttl?, lifetime?}`; type: any in RDATA_TEXT_TYPES (every master-file type but SOA) |
 * | `DELETE /v1/admin/zones/{zone}/records` | delete `{name, type?, value?}` |
 * | `GET /v1/admin/audit?limit=&before_id=` | audit rows, newest first |
 * | `…/zones/{zone}/transfer`, `POST …/tsig-keys/import` | zone transfers and imported keys: `zone_transfer.ts` |
 * | `…/zones/{zone}/dnssec` | DNSSEC online signing: `zone_dnssec.ts` |
 * | `GET /v1/admin/stats/nodes`, `GET /v1/admin/stats/edge` | per-node rates and lag, the edge's request rates: `stats.ts` |
 * | `GET /v1/admin/query-log`, `GET …/query-log/stream` | nodes' sampled queries, paged and as SSE: `query_log.ts` |
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { z } from "zod";
import { operatorToken } from "../../../../packages/core/config/env.ts";
import { auditStatement, listAudit } from "../../../../packages/core/store/audit.ts";
import {
  applyRecordChanges,
  CapExceededError,
  readRecordsByName,
  readZoneRecords,
  type RecordChange,
} from "../../../../packages/core/store/records.ts";
import {
  generateUserToken,
  issueToken,
  listTokens,
  revokeToken,
} from "../../../../packages/core/store/tokens.ts";
import { listTsigKeys, revokeTsigKey } from "../../../../packages/core/store/tsig_keys.ts";
import {
  deleteZone,
  listZones,
  readZone,
  upsertZone,
} from "../../../../packages/core/store/zones.ts";
import { canonicalizeSubject } from "../../../../packages/core/registration/subject.ts";
import {
  hostNameSchema,
  ipv4Schema,
  ipv6Schema,
  lifetimeSecondsSchema,
  ttlSecondsSchema,
  uniqueList,
} from "../../../../packages/core/values/schemas.ts";
import { MAX_TTL } from "../../../../packages/core/values/ttl.ts";
import { zoneSoa } from "../../../../packages/core/zone/zone_index.ts";
import {
  RDATA_TEXT_TYPES,
  type RdataTextType,
} from "../../../../packages/core/zone/master_file.ts";
import { canonicalRecordValue } from "../../../../packages/core/zone/record_value.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { clientAddress } from "../../client_address.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";
import { isOperator } from "../../middleware/operator_token/mod.ts";
import { isValidRecordName, isValidRecordValue } from "../records/mod.ts";
import { isWildcardOwner } from "../../../../packages/core/zone/wildcard.ts";
import { mountZoneTransferRoutes } from "./zone_transfer.ts";
import { mountZoneDnssecRoutes } from "./zone_dnssec.ts";
import { mountStatsRoutes } from "./stats.ts";
import { mountQueryLogRoutes } from "./query_log.ts";
import { readCappedBody } from "../../../../packages/core/http/capped_body.ts";
import {
  applyZoneImport,
  planZoneImport,
  ZoneImportError,
} from "../../../../packages/core/store/zone_import.ts";
import {
  checkFingerprint,
  FINGERPRINT_PATTERN,
  zoneImportFingerprint,
} from "../../../../packages/core/store/zone_import_fingerprint.ts";
import { parseMasterFile } from "../../../../packages/core/zone/master_file.ts";
import { exportZoneText } from "../../../../packages/core/zone/master_file_export.ts";
import {
  isSerialPolicy,
  SERIAL_POLICIES,
  SERIAL_POLICY_EXPECTED,
  type SerialPolicy,
} from "../../../../packages/core/zone/serial.ts";

const u32 = z.number().int().min(0).max(MAX_TTL);
/** Rates and bursts are stored as integers/reals; bounded so no reader meets a value past 2^53. */
const RATE_CAP = 1_000_000;

// Strict objects (issue 10): an unknown field is a typo or a misunderstanding (`ns` for
// `apex_ns` once created a zone with no NS), so it is a 400 naming the field, never ignored.
const IssueTokenBody = z.strictObject({
  subject: z.string(),
  rate_per_sec: z.number().min(0).max(RATE_CAP).default(10),
  rate_burst: z.number().int().min(0).max(RATE_CAP).default(50),
  ttl_seconds: lifetimeSecondsSchema.default(0),
  note: z.string().max(500).default(""),
  subject_hash12: z.string().regex(/^[0-9a-f]{12}$/, "expected 12 lower-case hex").default(""),
});

const ZoneBody = z.strictObject({
  name: hostNameSchema,
  soa_mname: hostNameSchema.optional(),
  soa_rname: hostNameSchema.optional(),
  soa_refresh: u32.optional(),
  soa_retry: u32.optional(),
  soa_expire: u32.optional(),
  soa_minimum: u32.optional(),
  apex_a: uniqueList(ipv4Schema, 64).optional(),
  apex_aaaa: uniqueList(ipv6Schema, 64).optional(),
  apex_ns: uniqueList(hostNameSchema, 64).optional(),
  apex_ttl: ttlSecondsSchema.optional(),
  serial_policy: z.enum(SERIAL_POLICIES as [SerialPolicy, ...SerialPolicy[]]).optional(),
});

/**
 * Largest master file the import route reads (a 100,000-record zone is about 4 MB); the
 * body is read with this cap, so a larger one is refused before it is held in memory.
 */
export const MAX_ZONE_FILE_BYTES = 16 * 1024 * 1024;
/** Records listed per side (to add, to delete) by a dry run; the counts are always whole. */
const MAX_DIFF_LISTED = 1000;
/** Most records one imported file may hold, `$GENERATE`d ones included (bounds the edge's memory). */
const MAX_ZONE_FILE_RECORDS = 500_000;

/**
 * A record value as stored: TXT values are opaque strings as on `/v1/records` (brief §1.4
 * step 11); every other type is read in presentation form by the master-file parser's code
 * and stored in its canonical spelling, so equal values collide (issue 10).
 */
function recordValue(
  type: RdataTextType,
  text: string,
): { ok: true; value: string } | { ok: false; error: string } {
  // SPF is TXT's format (RFC 7208 §3.1): the value is the text as given, not master-file words.
  if (type === "TXT" || type === "SPF") {
    return isValidRecordValue(text) ? { ok: true, value: text } : {
      ok: false,
      error: "invalid record value (no '\"' and no control characters)",
    };
  }
  return canonicalRecordValue(type, text);
}

const AddRecordBody = z.strictObject({
  name: z.string(),
  type: z.enum(RDATA_TEXT_TYPES).default("TXT"),
  value: z.string(),
  ttl: ttlSecondsSchema.refine((n) => n > 0, "expected a TTL above 0").default(300),
  lifetime: lifetimeSecondsSchema.optional(),
});

const DeleteRecordBody = z.strictObject({
  name: z.string(),
  type: z.enum([...RDATA_TEXT_TYPES, "ANY"]).default("ANY"),
  value: z.string().optional(),
});

/** First zod issue as `<field>: <message>` (issue 4: errors name the field). */
function zodError(e: z.ZodError): string {
  const i = e.issues[0];
  const prefix = i.path.length ? i.path.join(".") + "." : "";
  if (i.code === "unrecognized_keys") {
    const keys = i.keys.map((k) => prefix + k).join(", ");
    return `${keys}: unknown field${i.keys.length > 1 ? "s" : ""}`;
  }
  return `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`;
}

async function parseBody<T>(
  c: Context,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; status: 400 | 413; error: string }> {
  const raw = await readJsonObject(c.req.raw);
  if (raw.kind === "too_large") return { ok: false, status: 413, error: bodyTooLarge() };
  if (raw.kind !== "ok") return { ok: false, status: 400, error: "invalid body" };
  const r = schema.safeParse(raw.value);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, status: 400, error: zodError(r.error) };
}

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith("." + zone);
}

/**
 * Builds the operator sub-app.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function adminRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  const token = operatorToken(deps.config);

  app.use("/v1/admin/*", async (c, next) => {
    if (!token) return c.json({ error: "not found" }, 404);
    if (!isOperator(c, token)) return c.json({ error: "unauthorized" }, 401);
    await next();
    // One audit row per operator request, whatever the outcome.
    await deps.client.execute(auditStatement({
      ts: deps.nowSeconds(),
      actor: "operator",
      event: `${c.req.method} ${c.req.routePath}`,
      subject: c.req.param("zone") ?? c.req.param("name") ?? c.req.param("hash") ?? "",
      remoteAddr: clientAddress(c, deps),
      // A preview is told apart from the write it previews.
      detail: `status=${c.res.status}${
        /^(1|true)$/.test(c.req.query("dry_run") ?? "") ? " dry_run" : ""
      }`,
    }));
  });

  mountZoneTransferRoutes(app, deps);
  mountZoneDnssecRoutes(app, deps);
  mountStatsRoutes(app, deps);
  mountQueryLogRoutes(app, deps);

  app.get("/v1/admin/tokens", async (c) => {
    const rows = await listTokens(deps.client);
    return c.json({
      tokens: rows.map((t) => ({
        token_hash: t.tokenHash,
        subject: t.subject,
        subject_hash12: t.subjectHash12,
        rate_per_sec: t.ratePerSec,
        rate_burst: t.rateBurst,
        issued_at: t.issuedAt,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
        issuer: t.issuer,
        note: t.note,
        registered_spk: t.registeredSpk,
      })),
    });
  });

  app.post("/v1/admin/tokens", async (c) => {
    const b = await parseBody(c, IssueTokenBody);
    if (!b.ok) return c.json({ error: b.error }, b.status);
    const subj = canonicalizeSubject(b.value.subject);
    if (subj.kind !== "ok") return c.json({ error: `subject: ${subj.reason}` }, 400);
    const now = deps.nowSeconds();
    const tok = generateUserToken(deps.random);
    const expiresAt = b.value.ttl_seconds > 0 ? now + b.value.ttl_seconds : null;
    const hash = await issueToken(deps.client, {
      token: tok,
      now,
      record: {
        subject: subj.subject,
        subjectHash12: b.value.subject_hash12,
        ratePerSec: b.value.rate_per_sec,
        rateBurst: b.value.rate_burst,
        expiresAt,
        issuer: "operator",
        note: b.value.note,
        registeredSpk: null,
      },
    });
    return c.json(
      { token: tok, token_hash: hash, subject: subj.subject, expires_at: expiresAt },
      201,
    );
  });

  app.delete("/v1/admin/tokens/:hash", async (c) => {
    const hash = c.req.param("hash").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hash)) return c.json({ error: "token_hash: expected 64 hex" }, 400);
    const ok = await revokeToken(deps.client, {
      tokenHash: hash,
      now: deps.nowSeconds(),
      actor: "operator",
      remoteAddr: clientAddress(c, deps),
    });
    return ok ? c.json({ revoked: hash }) : c.json({ error: "no live token with that hash" }, 404);
  });

  app.get("/v1/admin/tsig-keys", async (c) => {
    const keys = await listTsigKeys(deps.client);
    const now = deps.nowSeconds();
    return c.json({
      tsig_keys: keys.map((k) => ({
        name: k.name,
        algorithm: k.algorithm,
        allowed_suffixes: k.allowedSuffixes,
        subject: k.subject,
        registered_spk: k.registeredSpk,
        registered_x25519_pub: k.registeredX25519Pub,
        created_at: k.createdAt,
        expires_at: k.expiresAt,
        last_used_at: k.lastUsedAt || null,
        revoked: k.revoked,
        active: !k.revoked && (k.expiresAt === 0 || k.expiresAt > now),
      })),
    });
  });

  app.delete("/v1/admin/tsig-keys/:name", async (c) => {
    const name = c.req.param("name").trim().toLowerCase().replace(/\.$/, "");
    const ok = await revokeTsigKey(deps.client, name, deps.nowSeconds());
    return ok ? c.json({ revoked: name }) : c.json({ error: "no such TSIG key" }, 404);
  });

  app.get("/v1/admin/zones", async (c) => {
    const zones = await listZones(deps.client);
    // The SOA DNS serves: MNAME/RNAME left empty are synthesized by the index (first apex NS
    // in publish order, else the zone; hostmaster.<zone>), and the listing shows the same.
    const apex = await readRecordsByName(deps.client, zones.map((z) => z.name), deps.nowSeconds());
    const firstNs = new Map<string, string>();
    for (const r of apex) {
      if (r.type === "NS" && r.name === r.zone && !firstNs.has(r.name)) {
        firstNs.set(r.name, r.value);
      }
    }
    return c.json({
      zones: zones.map((z) => ({
        name: z.name,
        serial: z.serial,
        soa_mname: zoneSoa(z, firstNs.get(z.name)).mname,
        soa_rname: zoneSoa(z, firstNs.get(z.name)).rname,
        soa_refresh: z.soaRefresh,
        soa_retry: z.soaRetry,
        soa_expire: z.soaExpire,
        soa_minimum: z.soaMinimum,
      })),
    });
  });

  app.post("/v1/admin/zones", async (c) => {
    const b = await parseBody(c, ZoneBody);
    if (!b.ok) return c.json({ error: b.error }, b.status);
    const z = b.value;
    await upsertZone(deps.client, {
      name: z.name,
      soaMname: z.soa_mname,
      soaRname: z.soa_rname,
      soaRefresh: z.soa_refresh,
      soaRetry: z.soa_retry,
      soaExpire: z.soa_expire,
      soaMinimum: z.soa_minimum,
      apexA: z.apex_a,
      apexAaaa: z.apex_aaaa,
      apexNs: z.apex_ns,
      apexTtl: z.apex_ttl,
      serialPolicy: z.serial_policy,
    }, deps.nowSeconds());
    return c.json({ zone: z.name }, 201);
  });

  app.delete("/v1/admin/zones/:zone", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const ok = await deleteZone(deps.client, zone, deps.nowSeconds());
    return ok ? c.json({ deleted: zone }) : c.json({ error: "no such zone" }, 404);
  });

  app.get("/v1/admin/zones/:zone/export", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const row = await readZone(deps.client, zone);
    if (!row) return c.json({ error: "no such zone" }, 404);
    const records = await readZoneRecords(deps.client, zone, deps.nowSeconds());
    return c.text(exportZoneText(row, records), 200, {
      "content-type": "text/plain; charset=utf-8",
    });
  });

  app.post("/v1/admin/zones/:zone/import", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    if (!isValidRecordName(zone)) return c.json({ error: "zone: not a valid zone name" }, 400);
    const replace = c.req.query("replace");
    if (replace !== undefined && replace !== "true" && replace !== "false") {
      return c.json({ error: "replace: expected true or false" }, 400);
    }
    const policy = c.req.query("serial_policy");
    if (policy !== undefined && !isSerialPolicy(policy)) {
      return c.json({ error: `serial_policy: ${SERIAL_POLICY_EXPECTED}` }, 400);
    }
    const dryRun = c.req.query("dry_run");
    if (dryRun !== undefined && !["1", "0", "true", "false"].includes(dryRun)) {
      return c.json({ error: "dry_run: expected 1 or 0" }, 400);
    }
    const presented = c.req.query("fingerprint");
    if (presented !== undefined && !FINGERPRINT_PATTERN.test(presented)) {
      return c.json({ error: "fingerprint: expected the one a dry run returned" }, 400);
    }
    const bytes = await readCappedBody(c.req.raw, MAX_ZONE_FILE_BYTES);
    if (!bytes) {
      return c.json({ error: `body: the master file exceeds ${MAX_ZONE_FILE_BYTES} bytes` }, 413);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return c.json({ error: "body: the master file is not UTF-8" }, 400);
    }
    // No include reader: a file on the edge's disk is never read on a caller's behalf.
    const parsed = parseMasterFile(text, { origin: zone, maxRecords: MAX_ZONE_FILE_RECORDS });
    if (!parsed.ok) return c.json({ error: `body: ${parsed.error}` }, 400);
    const now = deps.nowSeconds();
    const options = { now, replace: replace === "true", serialPolicy: policy };
    try {
      const plan = await planZoneImport(deps.client, zone, parsed.records, options);
      const fingerprint = await zoneImportFingerprint(plan, { text, ...options });
      if (dryRun === "1" || dryRun === "true") {
        return c.json({
          zone,
          dry_run: true,
          fingerprint,
          records: parsed.records.length,
          creates_zone: plan.before === undefined,
          written: plan.adds.length,
          deleted: plan.deletes.length,
          unchanged: plan.unchanged,
          serial_before: plan.serialBefore ?? null,
          serial: plan.serialAfter,
          add: plan.adds.slice(0, MAX_DIFF_LISTED),
          delete: plan.deletes.slice(0, MAX_DIFF_LISTED),
          truncated: plan.adds.length > MAX_DIFF_LISTED || plan.deletes.length > MAX_DIFF_LISTED,
        });
      }
      if (presented !== undefined) {
        const check = checkFingerprint(fingerprint, presented);
        if (check === "zone_changed") {
          return c.json({
            error: `fingerprint: zone ${zone} changed since the preview; nothing was written, ` +
              "preview again",
          }, 409);
        }
        if (check === "input_differs") {
          return c.json({
            error: "fingerprint: the file or the options are not the previewed ones; nothing " +
              "was written, preview again",
          }, 409);
        }
      }
      const r = await applyZoneImport(deps.client, plan, { now });
      return c.json({
        zone,
        records: parsed.records.length,
        written: r.added,
        deleted: r.deleted,
        unchanged: r.unchanged,
        serial: r.serial,
      });
    } catch (e) {
      if (e instanceof ZoneImportError) {
        return c.json({ error: `body: ${e.message}` }, e.conflict ? 409 : 400);
      }
      throw e;
    }
  });

  app.get("/v1/admin/zones/:zone/records", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const rows = await readZoneRecords(deps.client, zone, deps.nowSeconds());
    return c.json({
      zone,
      records: rows.map((r) => ({
        name: r.name,
        type: r.type,
        value: r.value,
        ttl: r.ttl,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
      })),
    });
  });

  app.post("/v1/admin/zones/:zone/records", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const b = await parseBody(c, AddRecordBody);
    if (!b.ok) return c.json({ error: b.error }, b.status);
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const name = b.value.name.trim().toLowerCase().replace(/\.$/, "");
    // An operator may publish a wildcard (RFC 4592 §2.1.1: `*` as the first label only);
    // DMP user routes keep refusing `*`, so a user cannot shadow names they do not own.
    const bare = isWildcardOwner(name) ? name.slice(2) : name;
    if (!isValidRecordName(bare) || !inZone(name, zone)) {
      return c.json({ error: "name: not a valid name inside the zone" }, 400);
    }
    const cfg = deps.config;
    const { type, ttl } = b.value;
    if (ttl > cfg.DMP_MAX_TTL) {
      return c.json({ error: `ttl: exceeds cap of ${cfg.DMP_MAX_TTL}s` }, 400);
    }
    const v = recordValue(type, b.value.value);
    if (!v.ok) return c.json({ error: `value: ${v.error}` }, 400);
    const value = v.value;
    // RFC 2181 §10.1: a CNAME is alone at its name (no other data, one CNAME).
    const live = await readRecordsByName(deps.client, [name], deps.nowSeconds());
    const clash = type === "CNAME"
      ? live.find((r) => r.type !== "CNAME" || r.value !== value)
      : live.find((r) => r.type === "CNAME");
    if (clash) {
      return c.json({
        error: `name: ${name} holds a ${clash.type} record; a CNAME cannot share its name ` +
          "with other records (RFC 2181 §10.1)",
      }, 409);
    }
    const lifetime = b.value.lifetime ?? (type === "TXT" ? ttl : 0);
    try {
      await applyRecordChanges(
        deps.client,
        [{ op: "add", zone, name, type, value, ttl, lifetime }],
        {
          now: deps.nowSeconds(),
          maxValuesPerName: cfg.DMP_MAX_VALUES_PER_NAME,
        },
      );
    } catch (e) {
      if (e instanceof CapExceededError) {
        return c.json({ error: `name: RRset at ${name} is full` }, 413);
      }
      throw e;
    }
    return c.json({ ok: true }, 201);
  });

  app.delete("/v1/admin/zones/:zone/records", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const b = await parseBody(c, DeleteRecordBody);
    if (!b.ok) return c.json({ error: b.error }, b.status);
    const name = b.value.name.trim().toLowerCase().replace(/\.$/, "");
    if (!inZone(name, zone)) return c.json({ error: "name: not inside the zone" }, 400);
    const { type } = b.value;
    if (b.value.value !== undefined && type === "ANY") {
      return c.json({ error: "type: required when value is given" }, 400);
    }
    let change: RecordChange = { op: "delete_rrset", zone, name, type };
    if (b.value.value !== undefined && type !== "ANY") {
      // The stored spelling is canonical, so the value to delete is read the same way.
      const v = recordValue(type, b.value.value);
      if (!v.ok) return c.json({ error: `value: ${v.error}` }, 400);
      change = { op: "delete_value", zone, name, type, value: v.value };
    }
    await applyRecordChanges(deps.client, [change], { now: deps.nowSeconds() });
    return c.body(null, 204);
  });

  app.get("/v1/admin/audit", async (c) => {
    const q = z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      before_id: z.coerce.number().int().min(1).optional(),
    }).safeParse({ limit: c.req.query("limit"), before_id: c.req.query("before_id") });
    if (!q.success) return c.json({ error: zodError(q.error) }, 400);
    const rows = await listAudit(deps.client, { limit: q.data.limit, beforeId: q.data.before_id });
    return c.json({
      audit: rows.map((r) => ({
        id: r.id,
        ts: r.ts,
        actor: r.actor,
        event: r.event,
        subject: r.subject,
        remote_addr: r.remoteAddr,
        detail: r.detail,
      })),
    });
  });

  return app;
}
