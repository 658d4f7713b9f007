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
 * | `POST /v1/admin/zones` | create or re-configure `{name, soa_*?, apex_a?, apex_aaaa?, apex_ns?, apex_ttl?}` |
 * | `DELETE /v1/admin/zones/{zone}` | delete a zone and its records |
 * | `GET /v1/admin/zones/{zone}/records` | live records of a zone |
 * | `POST /v1/admin/zones/{zone}/records` | add `{name, type, value, ttl?, lifetime?}` |
 * | `DELETE /v1/admin/zones/{zone}/records` | delete `{name, type?, value?}` |
 * | `GET /v1/admin/audit?limit=&before_id=` | audit rows, newest first |
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
import type { ResolvedDeps } from "../../app_deps.ts";
import { clientAddress } from "../../client_address.ts";
import { readJsonObject } from "../../json_body.ts";
import { isOperator } from "../../middleware/operator_token/mod.ts";
import { isValidRecordName, isValidRecordValue } from "../records/mod.ts";
import { isWildcardOwner } from "../../../../packages/core/zone/wildcard.ts";

const HOST = /^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/;
const hostName = z.string().trim().toLowerCase().transform((s) => s.replace(/\.$/, "")).pipe(
  z.string().regex(HOST, "expected a domain name").max(253),
);
const ipv4 = z.string().regex(
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  "expected an IPv4 address",
);
const ipv6 = z.string().regex(/^[0-9a-fA-F:.]{2,45}$/, "expected an IPv6 address").refine(
  (s) => s.includes(":"),
  "expected an IPv6 address",
);
const u32 = z.number().int().min(0).max(2147483647);

const IssueTokenBody = z.object({
  subject: z.string(),
  rate_per_sec: z.number().min(0).default(10),
  rate_burst: z.number().int().min(0).default(50),
  ttl_seconds: z.number().int().min(0).default(0),
  note: z.string().max(500).default(""),
  subject_hash12: z.string().regex(/^[0-9a-f]{12}$/, "expected 12 lower-case hex").default(""),
});

const ZoneBody = z.object({
  name: hostName,
  soa_mname: hostName.optional(),
  soa_rname: hostName.optional(),
  soa_refresh: u32.optional(),
  soa_retry: u32.optional(),
  soa_expire: u32.optional(),
  soa_minimum: u32.optional(),
  apex_a: z.array(ipv4).max(64).optional(),
  apex_aaaa: z.array(ipv6).max(64).optional(),
  apex_ns: z.array(hostName).max(64).optional(),
  apex_ttl: u32.optional(),
});

const AddRecordBody = z.object({
  name: z.string(),
  type: z.enum(["TXT", "A", "AAAA", "NS"]).default("TXT"),
  value: z.string(),
  ttl: z.number().int().positive().default(300),
  lifetime: z.number().int().min(0).optional(),
});

const DeleteRecordBody = z.object({
  name: z.string(),
  type: z.enum(["TXT", "A", "AAAA", "NS", "ANY"]).default("ANY"),
  value: z.string().optional(),
});

/** First zod issue as `<field>: <message>` (issue 4: errors name the field). */
function zodError(e: z.ZodError): string {
  const i = e.issues[0];
  const path = i.path.length ? i.path.join(".") : "body";
  return `${path}: ${i.message}`;
}

async function parseBody<T>(
  c: Context,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  const raw = await readJsonObject(c.req.raw);
  if (raw.kind !== "ok") return { ok: false, error: "invalid body" };
  const r = schema.safeParse(raw.value);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: zodError(r.error) };
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
      detail: `status=${c.res.status}`,
    }));
  });

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
    if (!b.ok) return c.json({ error: b.error }, 400);
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
    return c.json({
      zones: zones.map((z) => ({
        name: z.name,
        serial: z.serial,
        soa_mname: z.soaMname,
        soa_rname: z.soaRname,
        soa_refresh: z.soaRefresh,
        soa_retry: z.soaRetry,
        soa_expire: z.soaExpire,
        soa_minimum: z.soaMinimum,
      })),
    });
  });

  app.post("/v1/admin/zones", async (c) => {
    const b = await parseBody(c, ZoneBody);
    if (!b.ok) return c.json({ error: b.error }, 400);
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
    }, deps.nowSeconds());
    return c.json({ zone: z.name }, 201);
  });

  app.delete("/v1/admin/zones/:zone", async (c) => {
    const zone = c.req.param("zone").trim().toLowerCase().replace(/\.$/, "");
    const ok = await deleteZone(deps.client, zone, deps.nowSeconds());
    return ok ? c.json({ deleted: zone }) : c.json({ error: "no such zone" }, 404);
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
    if (!b.ok) return c.json({ error: b.error }, 400);
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const name = b.value.name.trim().toLowerCase().replace(/\.$/, "");
    // An operator may publish a wildcard (RFC 4592 §2.1.1: `*` as the first label only);
    // DMP user routes keep refusing `*`, so a user cannot shadow names they do not own.
    const bare = isWildcardOwner(name) ? name.slice(2) : name;
    if (!isValidRecordName(bare) || !inZone(name, zone)) {
      return c.json({ error: "name: not a valid name inside the zone" }, 400);
    }
    const cfg = deps.config;
    const { type, value, ttl } = b.value;
    if (ttl > cfg.DMP_MAX_TTL) {
      return c.json({ error: `ttl: exceeds cap of ${cfg.DMP_MAX_TTL}s` }, 400);
    }
    if (type === "TXT" && !isValidRecordValue(value)) {
      return c.json({ error: "value: invalid record value" }, 400);
    }
    if (type === "A" && !ipv4.safeParse(value).success) {
      return c.json({ error: "value: expected an IPv4 address" }, 400);
    }
    if (type === "AAAA" && !ipv6.safeParse(value).success) {
      return c.json({ error: "value: expected an IPv6 address" }, 400);
    }
    if (type === "NS" && !hostName.safeParse(value).success) {
      return c.json({ error: "value: expected a domain name" }, 400);
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
    if (!b.ok) return c.json({ error: b.error }, 400);
    const name = b.value.name.trim().toLowerCase().replace(/\.$/, "");
    if (!inZone(name, zone)) return c.json({ error: "name: not inside the zone" }, 400);
    const { type, value } = b.value;
    if (value !== undefined && type === "ANY") {
      return c.json({ error: "type: required when value is given" }, 400);
    }
    const change: RecordChange = value !== undefined
      ? { op: "delete_value", zone, name, type, value }
      : { op: "delete_rrset", zone, name, type };
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
