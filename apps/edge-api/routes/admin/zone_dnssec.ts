/**
 * Operator routes for DNSSEC online signing (issue 13), registered on the
 * admin app so its operator-token check and audit row apply:
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/admin/zones/{zone}/dnssec` | turn signing on `{algorithm?: 13 \| 15}` (13 = ECDSA P-256, default; 15 = Ed25519) → 201 with the KSK and ZSK, DS and DNSKEY; 200 when the zone already has keys (kept) |
 * | `GET /v1/admin/zones/{zone}/dnssec` | the zone's signing state: `{signed, parent_ds, keys: [{key_tag, algorithm, flags, role, state, signs, next_step, next_at, created_at, ds, dnskey}]}` |
 * | `POST /v1/admin/zones/{zone}/dnssec/rollover` | `{key: "zsk" \| "ksk"}` → 201 with the new key's tag and the keys; 409 when unsigned or a rollover is under way |
 * | `POST /v1/admin/zones/{zone}/dnssec/ds-seen` | `{key_tag}`: the parent serves the new KSK's DS → 200; 409 for a tag that waits for no DS |
 *
 * Private keys are generated here, sealed with DMP_TSIG_SECRET_KEY and never
 * returned; every node signs with them after its next journal sync. Rollover
 * waits come from the `DMP_DNSSEC_*` settings of this edge
 * (`dnssec/key_timeline.ts`): the steps are written as times, so no
 * process has to stay up to advance them.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { z } from "zod";
import { createSecretBox } from "../../../../packages/core/store/secret_box.ts";
import {
  confirmDsSeen,
  enableZoneSigning,
  type KeyChangeResult,
  listSigningKeys,
  readSigningKeys,
  startRollover,
} from "../../../../packages/core/store/dnssec_keys.ts";
import { rolloverTimings } from "../../../../packages/core/config/env.ts";
import { inCds, keyState } from "../../../../packages/core/dnssec/key_timeline.ts";
import { readZone } from "../../../../packages/core/store/zones.ts";
import { importSigningKey } from "../../../../packages/core/dnssec/signing_key.ts";
import { keyRecords } from "../../../../packages/core/dnssec/key_records.ts";
import { canonicalName } from "../../../../packages/core/wire/name.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";

const SignBody = z.strictObject({
  algorithm: z.union([z.literal(13), z.literal(15)]).default(13),
});
const RolloverBody = z.strictObject({ key: z.enum(["zsk", "ksk"]) });
const DsSeenBody = z.strictObject({ key_tag: z.number().int().min(0).max(65535) });

/** A 400 naming the first bad field of a zod failure. */
function fieldError(error: z.ZodError, messages: Record<string, string>): string {
  const i = error.issues[0];
  const keys = i.code === "unrecognized_keys" ? `: ${i.keys.join(", ")}` : "";
  const field = i.path.length ? i.path.join(".") : "body";
  return `${field}: ${messages[field] ?? i.message}${keys}`;
}

/** Registers the DNSSEC routes on the admin app. */
export function mountZoneDnssecRoutes(app: Hono, deps: ResolvedDeps): void {
  app.post("/v1/admin/zones/:zone/dnssec", async (c) => {
    const zone = canonicalName(c.req.param("zone"));
    // An empty body means the defaults (readJsonObject reads it as {}).
    const raw = await readJsonObject(c.req.raw);
    if (raw.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    if (raw.kind !== "ok") return c.json({ error: "body: expected a JSON object" }, 400);
    const body = raw.value;
    const parsed = SignBody.safeParse(body);
    if (!parsed.success) {
      return c.json({
        error: fieldError(parsed.error, {
          algorithm: "expected 13 (ECDSA P-256) or 15 (Ed25519)",
        }),
      }, 400);
    }
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const sealing = deps.config.DMP_TSIG_SECRET_KEY;
    if (!sealing) {
      return c.json(
        { error: "DMP_TSIG_SECRET_KEY is not set: signing keys cannot be sealed" },
        409,
      );
    }
    const box = await createSecretBox(sealing);
    const { created } = await enableZoneSigning(
      deps.client,
      box,
      zone,
      parsed.data.algorithm,
      deps.nowSeconds(),
    );
    return c.json(
      { zone, created, signed: true, keys: await keysJson(deps, zone) },
      created ? 201 : 200,
    );
  });

  app.get("/v1/admin/zones/:zone/dnssec", async (c) => {
    const zone = canonicalName(c.req.param("zone"));
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const keys = await keysJson(deps, zone);
    return c.json({
      zone,
      signed: keys.length > 0,
      parent_ds: keys.filter((k) => k.in_cds).map((k) => k.ds),
      keys,
    });
  });

  app.post("/v1/admin/zones/:zone/dnssec/rollover", async (c) => {
    const zone = canonicalName(c.req.param("zone"));
    const raw = await readJsonObject(c.req.raw);
    if (raw.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    if (raw.kind !== "ok") return c.json({ error: "body: expected a JSON object" }, 400);
    const parsed = RolloverBody.safeParse(raw.value);
    if (!parsed.success) {
      return c.json({ error: fieldError(parsed.error, { key: 'expected "zsk" or "ksk"' }) }, 400);
    }
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const sealing = deps.config.DMP_TSIG_SECRET_KEY;
    if (!sealing) {
      return c.json(
        { error: "DMP_TSIG_SECRET_KEY is not set: signing keys cannot be sealed" },
        409,
      );
    }
    const r = await startRollover(
      deps.client,
      await createSecretBox(sealing),
      zone,
      parsed.data.key,
      deps.nowSeconds(),
      rolloverTimings(deps.config),
    );
    return await changed(c, deps, zone, r, 201);
  });

  app.post("/v1/admin/zones/:zone/dnssec/ds-seen", async (c) => {
    const zone = canonicalName(c.req.param("zone"));
    const raw = await readJsonObject(c.req.raw);
    if (raw.kind === "too_large") return c.json({ error: bodyTooLarge() }, 413);
    if (raw.kind !== "ok") return c.json({ error: "body: expected a JSON object" }, 400);
    const parsed = DsSeenBody.safeParse(raw.value);
    if (!parsed.success) {
      return c.json({
        error: fieldError(parsed.error, { key_tag: "expected a key tag, 0 to 65535" }),
      }, 400);
    }
    if (!await readZone(deps.client, zone)) return c.json({ error: "no such zone" }, 404);
    const r = await confirmDsSeen(
      deps.client,
      zone,
      parsed.data.key_tag,
      deps.nowSeconds(),
      rolloverTimings(deps.config),
    );
    return await changed(c, deps, zone, r, 200);
  });
}

/** The answer to a key change: the keys after it, or a 409 with the reason (nothing changed). */
async function changed(
  c: Context,
  deps: ResolvedDeps,
  zone: string,
  r: KeyChangeResult,
  status: 200 | 201,
) {
  if (!r.ok) return c.json({ error: r.error }, 409);
  return c.json({ zone, key_tag: r.keyTag, keys: await keysJson(deps, zone) }, status);
}

/**
 * The zone's keys with DS and DNSKEY (those need the sealing key: empty
 * without it), as `GET …/dnssec` returns them; the dashboard reads signing
 * state through this too.
 *
 * @param deps the app dependencies
 * @param zone canonical zone name
 * @returns the keys as JSON objects
 */
export async function keysJson(deps: ResolvedDeps, zone: string) {
  const infos = await listSigningKeys(deps.client, zone);
  const sealing = deps.config.DMP_TSIG_SECRET_KEY;
  const opened = sealing
    ? (await readSigningKeys(deps.client, await createSecretBox(sealing))).keys
    : [];
  const now = deps.nowSeconds();
  const out = [];
  for (const k of infos) {
    const stored = opened.find((o) => o.zone === zone && o.keyTag === k.keyTag);
    const records = stored
      ? await keyRecords(zone, await importSigningKey(stored), deps.config.DMP_DNSSEC_DNSKEY_TTL)
      : undefined;
    const state = keyState(k.times, now);
    out.push({
      key_tag: k.keyTag,
      algorithm: k.algorithm,
      flags: k.flags,
      role: k.times.role,
      state: state.state,
      signs: state.signs,
      next_step: state.next?.step ?? null,
      next_at: state.next?.at ?? null,
      in_cds: inCds(k.times, now),
      created_at: k.createdAt,
      ds: records?.ds ?? "",
      dnskey: records?.dnskey ?? "",
    });
  }
  return out;
}
