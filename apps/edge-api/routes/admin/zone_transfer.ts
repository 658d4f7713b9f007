/**
 * Operator routes for zone transfers and imported TSIG keys (issue 16),
 * registered on the admin app so its operator-token check and audit row
 * apply:
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/admin/zones/{zone}/transfer` | the zone's transfer policy (404 when none: transfers refused) |
 * | `PUT /v1/admin/zones/{zone}/transfer` | replace it `{allow_keys?, allow_nets?, notify?: [{address, port?, key?}]}` |
 * | `DELETE /v1/admin/zones/{zone}/transfer` | remove it (every transfer refused) |
 * | `POST /v1/admin/tsig-keys/import` | store an existing key `{name, algorithm?, secret, scope?, replace?}`; the secret is sealed and never returned |
 *
 * Bodies are strict (an unknown field is a 400 naming it).
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { z } from "zod";
import { createSecretBox } from "../../../../packages/core/store/secret_box.ts";
import {
  deleteTransferPolicy,
  putTransferPolicy,
  readTransferPolicy,
  type TransferPolicy,
  TransferPolicyError,
} from "../../../../packages/core/store/transfer_policy.ts";
import {
  listTsigKeys,
  tsigJournalStatement,
  tsigKeyUpsertStatement,
} from "../../../../packages/core/store/tsig_keys.ts";
import { checkImportedKey, KeyImportError } from "../../../../packages/core/tsig/key_import.ts";
import { canonicalName } from "../../../../packages/core/wire/name.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { readJsonObject } from "../../json_body.ts";
import { parseScopeList } from "../../../../packages/core/update/acme_scope.ts";

const TransferBody = z.object({
  allow_keys: z.array(z.string().max(255)).max(64).default([]),
  allow_nets: z.array(z.string().max(64)).max(256).default([]),
  notify: z.array(
    z.object({
      address: z.string().max(64),
      port: z.number().int().min(1).max(65535).default(53),
      key: z.string().max(255).default(""),
    }).strict(),
  ).max(32).default([]),
}).strict();

const ImportKeyBody = z.object({
  name: z.string().max(255),
  algorithm: z.string().max(64).default("hmac-sha256"),
  secret: z.string().max(1024),
  scope: z.array(z.string().max(255)).max(64).default([]),
  replace: z.boolean().default(false),
}).strict();

async function parseStrict<T>(
  c: Context,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  const raw = await readJsonObject(c.req.raw);
  if (raw.kind !== "ok") return { ok: false, error: "body: expected a JSON object" };
  const r = schema.safeParse(raw.value);
  if (r.success) return { ok: true, value: r.data };
  const i = r.error.issues[0];
  const keys = i.code === "unrecognized_keys" ? `: ${i.keys.join(", ")}` : "";
  return { ok: false, error: `${i.path.length ? i.path.join(".") : "body"}: ${i.message}${keys}` };
}

function policyJson(p: TransferPolicy) {
  return { zone: p.zone, allow_keys: p.allowKeys, allow_nets: p.allowNets, notify: p.notify };
}

const FIELD: Record<string, string> = {
  allowKeys: "allow_keys",
  allowNets: "allow_nets",
  notify: "notify",
  zone: "zone",
};

/** Registers the transfer-policy and key-import routes on the admin app. */
export function mountZoneTransferRoutes(app: Hono, deps: ResolvedDeps): void {
  app.get("/v1/admin/zones/:zone/transfer", async (c) => {
    const p = await readTransferPolicy(deps.client, canonicalName(c.req.param("zone")));
    return p
      ? c.json(policyJson(p))
      : c.json({ error: "no transfer policy: transfers refused" }, 404);
  });

  app.put("/v1/admin/zones/:zone/transfer", async (c) => {
    const b = await parseStrict(c, TransferBody);
    if (!b.ok) return c.json({ error: b.error }, 400);
    try {
      const saved = await putTransferPolicy(deps.client, {
        zone: canonicalName(c.req.param("zone")),
        allowKeys: b.value.allow_keys,
        allowNets: b.value.allow_nets,
        notify: b.value.notify,
      }, deps.nowSeconds());
      return c.json(policyJson(saved));
    } catch (e) {
      if (!(e instanceof TransferPolicyError)) throw e;
      if (e.field === "zone") return c.json({ error: e.message }, 404);
      return c.json({ error: `${FIELD[e.field] ?? e.field}: ${e.message}` }, 400);
    }
  });

  app.delete("/v1/admin/zones/:zone/transfer", async (c) => {
    const zone = canonicalName(c.req.param("zone"));
    return (await deleteTransferPolicy(deps.client, zone))
      ? c.json({ deleted: zone })
      : c.json({ error: "no transfer policy" }, 404);
  });

  app.post("/v1/admin/tsig-keys/import", async (c) => {
    const b = await parseStrict(c, ImportKeyBody);
    if (!b.ok) return c.json({ error: b.error }, 400);
    let key;
    try {
      key = checkImportedKey(b.value.name, b.value.algorithm, b.value.secret);
    } catch (e) {
      if (!(e instanceof KeyImportError)) throw e;
      return c.json({ error: `${e.field}: ${e.message}` }, 400);
    }
    const parsedScope = parseScopeList(b.value.scope);
    if (!parsedScope.ok) return c.json({ error: `scope: ${parsedScope.error}` }, 400);
    const scope = parsedScope.entries;
    const sealing = deps.config.DMP_TSIG_SECRET_KEY;
    if (!sealing) {
      return c.json(
        { error: "DMP_TSIG_SECRET_KEY is not set: imported secrets cannot be sealed" },
        409,
      );
    }
    const exists = (await listTsigKeys(deps.client)).some((k) => k.name === key.name);
    if (exists && !b.value.replace) {
      return c.json({ error: `name: key ${key.name} exists (send "replace": true)` }, 409);
    }
    const now = deps.nowSeconds();
    await deps.client.batch([
      await tsigKeyUpsertStatement(await createSecretBox(sealing), {
        name: key.name,
        algorithm: key.algorithm,
        secret: key.secret,
        allowedSuffixes: scope,
        subject: "",
        registeredSpk: "",
        registeredX25519Pub: "",
        expiresAt: 0,
      }, now),
      tsigJournalStatement(now),
    ], "write");
    return c.json({ imported: key.name, algorithm: key.algorithm, allowed_suffixes: scope }, 201);
  });
}
