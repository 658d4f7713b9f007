/**
 * Operator routes for DNSSEC online signing (issue 13), registered on the
 * admin app so its operator-token check and audit row apply:
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/admin/zones/{zone}/dnssec` | turn signing on `{algorithm?: 13 \| 15}` (13 = ECDSA P-256, default; 15 = Ed25519) → 201 with the key, its DS and DNSKEY; 200 when the zone already has a key (kept) |
 * | `GET /v1/admin/zones/{zone}/dnssec` | the zone's signing state: `{signed, keys: [{key_tag, algorithm, flags, created_at, ds, dnskey}]}` |
 *
 * The private key is generated here once, sealed with DMP_TSIG_SECRET_KEY
 * and never returned; every node signs with it after its next journal sync.
 *
 * @module
 */

import type { Hono } from "hono";
import { z } from "zod";
import { createSecretBox } from "../../../../packages/core/store/secret_box.ts";
import {
  enableZoneSigning,
  listSigningKeys,
  readSigningKeys,
} from "../../../../packages/core/store/dnssec_keys.ts";
import { readZone } from "../../../../packages/core/store/zones.ts";
import { importSigningKey } from "../../../../packages/core/dnssec/signing_key.ts";
import { keyRecords } from "../../../../packages/core/dnssec/key_records.ts";
import { canonicalName } from "../../../../packages/core/wire/name.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";

const SignBody = z.strictObject({
  algorithm: z.union([z.literal(13), z.literal(15)]).default(13),
});

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
      const i = parsed.error.issues[0];
      const keys = i.code === "unrecognized_keys" ? `: ${i.keys.join(", ")}` : "";
      const field = i.path.length ? i.path.join(".") : "body";
      const message = field === "algorithm"
        ? "expected 13 (ECDSA P-256) or 15 (Ed25519)"
        : i.message;
      return c.json({ error: `${field}: ${message}${keys}` }, 400);
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
    return c.json({ zone, signed: keys.length > 0, keys });
  });
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
  const out = [];
  for (const k of infos) {
    const stored = opened.find((o) => o.zone === zone && o.keyTag === k.keyTag);
    const records = stored ? await keyRecords(zone, await importSigningKey(stored)) : undefined;
    out.push({
      key_tag: k.keyTag,
      algorithm: k.algorithm,
      flags: k.flags,
      created_at: k.createdAt,
      ds: records?.ds ?? "",
      dnskey: records?.dnskey ?? "",
    });
  }
  return out;
}
