/**
 * `/v1/records/{name}` GET/POST/DELETE (brief §1.4, §1.5).
 *
 * POST order (brief §1.4): per-IP bucket 429 → authorization 401 / per-token
 * 429 (before the body) → body 400 → value/ttl 400 → ttl cap 400 → value cap
 * 400 → RRset cardinality 413 → name 400 → value characters 400 → write 201.
 *
 * Deviations, all compatible with reference clients (brief §8.4 #19): names
 * are stored lower-case; an unparseable DELETE body is a 400 instead of
 * wiping the whole RRset; a name outside every zone this store serves is a
 * 400 (the udp-node could never answer it).
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { z } from "zod";
import { operatorToken, servedZone } from "../../../../packages/core/config/env.ts";
import { auditStatement } from "../../../../packages/core/store/audit.ts";
import {
  applyRecordChanges,
  CapExceededError,
  readRecordsByName,
} from "../../../../packages/core/store/records.ts";
import {
  hashToken,
  isTokenLive,
  isUserTokenShape,
  readToken,
} from "../../../../packages/core/store/tokens.ts";
import { listZones } from "../../../../packages/core/store/zones.ts";
import {
  claimOf,
  claimsForSubject,
  classifyName,
  subjectMayWrite,
} from "../../../../packages/core/registration/name_ownership.ts";
import {
  claimHeldByOther,
  ensureClaimsBackfilled,
} from "../../../../packages/core/store/registration_claims.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { authMode } from "../../auth_mode.ts";
import { clientAddress } from "../../client_address.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";
import { bearerToken, isOperator } from "../../middleware/operator_token/mod.ts";
import { allowRequest } from "../../middleware/rate_limit/mod.ts";

const LABEL = /^_?[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const VALUE_ERROR = "value (str) and ttl (int > 0) required";

/** POST body (brief §1.4 step 6): ttl defaults to 300; floats and strings refused. */
const PostBody = z.object({
  value: z.string({ error: VALUE_ERROR }),
  ttl: z.number({ error: VALUE_ERROR }).int(VALUE_ERROR).positive(VALUE_ERROR).default(300),
});

/** DELETE body: an optional value. */
const DeleteBody = z.object({ value: z.string({ error: "value must be a string" }).optional() });

/**
 * True for a valid DNS name (brief §1.4 step 10).
 *
 * @param name the name, trailing dot tolerated
 * @returns validity
 */
export function isValidRecordName(name: string): boolean {
  const n = name.replace(/\.$/, "");
  if (n.length === 0 || n.length > 253) return false;
  return n.split(".").every((l) => LABEL.test(l));
}

/**
 * True for a storable value: no `"`, no control characters (brief §1.4 step 11).
 *
 * @param value the TXT value
 * @returns validity
 */
export function isValidRecordValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch === 0x22 || ch < 0x20 || ch === 0x7f) return false;
  }
  return true;
}

type AuthResult =
  | { kind: "ok"; who: "open" | "operator" | "token" }
  | { kind: "unauthorized" }
  | { kind: "throttled" };

/**
 * Builds the records sub-app.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function recordsRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  const mode = authMode(deps.config);
  const opToken = operatorToken(deps.config);
  const served = servedZone(deps.config);
  const utf8 = new TextEncoder();

  function pathName(c: Context): string {
    return (c.req.param("name") ?? "").trim().replace(/\.$/, "").toLowerCase();
  }

  async function ipAllowed(c: Context): Promise<boolean> {
    return await allowRequest(deps, {
      key: `ip:${clientAddress(c, deps)}`,
      rate: deps.config.DMP_HTTP_RATE,
      burst: deps.config.DMP_HTTP_BURST,
    });
  }

  function audit(c: Context, e: { event: string; subject: string; detail: string }) {
    return deps.client.execute(auditStatement({
      ts: deps.nowSeconds(),
      actor: "token",
      remoteAddr: clientAddress(c, deps),
      ...e,
    }));
  }

  // Brief §1.5: operator token anywhere; open mode anyone; multi-tenant user tokens by class.
  async function authorizeWrite(
    c: Context,
    name: string,
    op: "add" | "delete",
  ): Promise<AuthResult> {
    if (mode === "open") return { kind: "ok", who: "open" };
    if (isOperator(c, opToken)) return { kind: "ok", who: "operator" };
    if (mode !== "multi-tenant") return { kind: "unauthorized" };
    const bearer = bearerToken(c);
    if (!isUserTokenShape(bearer)) return { kind: "unauthorized" };
    const hash = await hashToken(bearer);
    const t = await readToken(deps.client, hash);
    if (!t || !isTokenLive(t, deps.nowSeconds())) {
      await audit(c, { event: "rejected", subject: "", detail: `op=${op} reason=unknown-token` });
      return { kind: "unauthorized" };
    }
    const cls = classifyName(name);
    const shared = cls.kind === "shared_pool";
    const claim = claimOf(cls);
    if (claim) {
      await ensureClaimsBackfilled(deps.client, {
        now: deps.nowSeconds(),
        claimsOf: (s) => claimsForSubject(s, served),
      });
    }
    const mine =
      await subjectMayWrite(cls, { subject: t.subject, subjectHash12: t.subjectHash12, op }) &&
      // One owner per derived name (issue 12 finding 3): a name another subject's
      // live registration claims is not this token's, even if its subject derives it.
      !(claim &&
        await claimHeldByOther(deps.client, {
          claim,
          subject: t.subject,
          spkHex: t.registeredSpk ?? "",
          now: deps.nowSeconds(),
        }));
    if (!mine) {
      await audit(c, {
        event: "rejected",
        subject: t.subject,
        detail: `op=${op} name=${name} token_hash=${hash.slice(0, 16)}`,
      });
      return { kind: "unauthorized" };
    }
    // Checked after the scope decision (brief §1.5).
    if (!await allowRequest(deps, { key: `tok:${hash}`, rate: t.ratePerSec, burst: t.rateBurst })) {
      // Split audit: throttles are logged without subject or token hash (brief §1.5).
      await audit(c, { event: "throttled", subject: "", detail: `op=${op}` });
      return { kind: "throttled" };
    }
    await audit(c, {
      event: "used",
      subject: shared ? "" : t.subject,
      detail: shared
        ? `op=${op} shared-pool`
        : `op=${op} name=${name} token_hash=${hash.slice(0, 16)}`,
    });
    return { kind: "ok", who: "token" };
  }

  function authError(c: Context, a: AuthResult) {
    return a.kind === "throttled"
      ? c.json({ error: "per-token rate limit exceeded" }, 429)
      : c.json({ error: "unauthorized" }, 401);
  }

  /** The zone a name belongs to: the served zone or the longest stored zone it falls in. */
  async function zoneOf(name: string): Promise<string | undefined> {
    const zones = (await listZones(deps.client)).map((z) => z.name);
    if (served) zones.push(served);
    let best: string | undefined;
    for (const z of zones) {
      if ((name === z || name.endsWith("." + z)) && (!best || z.length > best.length)) best = z;
    }
    return best;
  }

  app.get("/v1/records/:name", async (c) => {
    if (!await ipAllowed(c)) return c.json({ error: "rate limit exceeded" }, 429);
    // Brief §1.4 / §8.4 #20: reads need the operator token whenever one applies.
    if (mode !== "open" && !isOperator(c, opToken)) return c.json({ error: "unauthorized" }, 401);
    const name = pathName(c);
    const rows = await readRecordsByName(deps.client, [name], deps.nowSeconds());
    const values = rows.filter((r) => r.type === "TXT").map((r) => r.value);
    return c.json({ name, values }, values.length ? 200 : 404);
  });

  app.post("/v1/records/:name", async (c) => {
    if (!await ipAllowed(c)) return c.json({ error: "rate limit exceeded" }, 429);
    const name = pathName(c);
    const auth = await authorizeWrite(c, name, "add");
    if (auth.kind !== "ok") return authError(c, auth);
    const raw = await readJsonObject(c.req.raw);
    if (raw.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    if (raw.kind !== "ok") return c.json({ error: "invalid body" }, 400);
    const body = PostBody.safeParse(raw.value);
    if (!body.success) return c.json({ error: VALUE_ERROR }, 400);
    const { value, ttl } = body.data;
    const cfg = deps.config;
    if (ttl > cfg.DMP_MAX_TTL) {
      return c.json({ error: `ttl exceeds cap of ${cfg.DMP_MAX_TTL}s` }, 400);
    }
    if (utf8.encode(value).length > cfg.DMP_MAX_VALUE_BYTES) {
      return c.json({ error: `value exceeds cap of ${cfg.DMP_MAX_VALUE_BYTES} bytes` }, 400);
    }
    const full = `RRset at ${name} already holds ${cfg.DMP_MAX_VALUES_PER_NAME} values`;
    const now = deps.nowSeconds();
    const live = (await readRecordsByName(deps.client, [name], now)).filter((r) =>
      r.type === "TXT"
    );
    if (live.length >= cfg.DMP_MAX_VALUES_PER_NAME && !live.some((r) => r.value === value)) {
      return c.json({ error: full }, 413);
    }
    if (!isValidRecordName(name)) return c.json({ error: "invalid record name" }, 400);
    if (!isValidRecordValue(value)) return c.json({ error: "invalid record value" }, 400);
    const zone = await zoneOf(name);
    if (!zone) return c.json({ error: "record name outside every served zone" }, 400);
    try {
      await applyRecordChanges(
        deps.client,
        [{ op: "add", zone, name, type: "TXT", value, ttl, lifetime: ttl }],
        { now, maxValuesPerName: cfg.DMP_MAX_VALUES_PER_NAME },
      );
    } catch (e) {
      // A racing writer filled the RRset between our read and the write (guarded in-batch).
      if (e instanceof CapExceededError) return c.json({ error: full }, 413);
      throw e;
    }
    return c.json({ ok: true }, 201);
  });

  app.delete("/v1/records/:name", async (c) => {
    if (!await ipAllowed(c)) return c.json({ error: "rate limit exceeded" }, 429);
    const name = pathName(c);
    const auth = await authorizeWrite(c, name, "delete");
    if (auth.kind !== "ok") return authError(c, auth);
    if (!isValidRecordName(name)) return c.json({ error: "invalid record name" }, 400);
    const raw = await readJsonObject(c.req.raw);
    if (raw.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    if (raw.kind !== "ok") return c.json({ error: "invalid body" }, 400);
    const body = DeleteBody.safeParse(raw.value);
    if (!body.success) return c.json({ error: body.error.issues[0].message }, 400);
    const value = body.data.value;
    if (value !== undefined && !isValidRecordValue(value)) {
      return c.json({ error: "invalid record value" }, 400);
    }
    const now = deps.nowSeconds();
    const live = (await readRecordsByName(deps.client, [name], now)).filter((r) =>
      r.type === "TXT" && (value === undefined || r.value === value)
    );
    if (live.length === 0) return c.body(null, 404);
    const zone = live[0].zone;
    await applyRecordChanges(
      deps.client,
      [
        value === undefined
          ? { op: "delete_rrset", zone, name, type: "TXT" }
          : { op: "delete_value", zone, name, type: "TXT", value },
      ],
      { now },
    );
    return c.body(null, 204);
  });

  return app;
}
