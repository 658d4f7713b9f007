/**
 * `/v1/registration/*` (brief §2): challenge, bearer-token confirm and
 * TSIG-key confirm, wire-compatible with the reference client.
 *
 * Order of checks (brief §2.2, §9 fact 7; no oracle for unsigned callers):
 * gate 404 → (tsig) keystore 404 → per-IP bucket 429 → body 400 → fields
 * 400 → subject 400 → hex/lengths 400 → consume challenge 400 (even when a
 * later step fails) → signature 401 → allowlist 403 → (tsig) PoP 400/401 →
 * scope/key name 400 → atomic anti-takeover mint 409 / 200.
 *
 * Serverless: challenges are stateless (`core/registration/challenge.ts`) and
 * single use through the store (`core/store/challenges.ts`), so any isolate
 * may confirm a challenge another issued, exactly once.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { z } from "zod";
import { servedZone } from "../../../../packages/core/config/env.ts";
import { verifyEd25519 } from "../../../../packages/core/dmp/ed25519_keys.ts";
import { bytesToHex, hexToBytes } from "../../../../packages/core/dmp/hex.ts";
import { issueChallenge, openChallenge } from "../../../../packages/core/registration/challenge.ts";
import { buildRegistrationMessage } from "../../../../packages/core/registration/signed_message.ts";
import {
  claimsForSubject,
  subjectClaims,
} from "../../../../packages/core/registration/name_ownership.ts";
import { canonicalizeSubject } from "../../../../packages/core/registration/subject.ts";
import {
  deriveTsigKeyName,
  deriveTsigScope,
} from "../../../../packages/core/registration/tsig_scope.ts";
import { verifyX25519Pop } from "../../../../packages/core/registration/x25519_pop.ts";
import { auditStatement } from "../../../../packages/core/store/audit.ts";
import { consumeChallenge } from "../../../../packages/core/store/challenges.ts";
import {
  claimStatements,
  ensureClaimsBackfilled,
  registrationGuardStatement,
  tsigHolder,
} from "../../../../packages/core/store/registration_claims.ts";
import { generateUserToken, mintSelfServiceToken } from "../../../../packages/core/store/tokens.ts";
import {
  tsigJournalStatement,
  tsigKeyUpsertStatement,
} from "../../../../packages/core/store/tsig_keys.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { authMode } from "../../auth_mode.ts";
import { clientAddress } from "../../client_address.ts";
import { bodyTooLarge, readJsonObject } from "../../json_body.ts";
import { allowRequest } from "../../middleware/rate_limit/mod.ts";
import {
  assertRegistrationConfig,
  loadRegistrationSecrets,
  registrationEnabled,
  type RegistrationSecrets,
} from "./registration_secrets.ts";

function requiredString(field: string) {
  const msg = `missing or non-string field: ${field}`;
  return z.string({ error: msg }).min(1, msg);
}

/** The confirm body (brief §2.2); field order = order of the 400 checks. */
const ConfirmBody = z.object({
  subject: requiredString("subject"),
  ed25519_spk: requiredString("ed25519_spk"),
  challenge: requiredString("challenge"),
  signature: requiredString("signature"),
});

/** Extra fields of tsig-confirm (brief §2.3); both optional, strings when present. */
const TsigExtras = z.object({
  x25519_pub: z.string({ error: "missing or non-string field: x25519_pub" }).optional(),
  x25519_pop: z.string({ error: "missing or non-string field: x25519_pop" }).optional(),
});

type Outcome = {
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 429;
  body: Record<string, unknown>;
};

function fail(status: Outcome["status"], error: string): Outcome {
  return { status, body: { error } };
}

function parseHex(field: string, value: string, bytes: number): Uint8Array | Outcome {
  const b = hexToBytes(value);
  if (!b) return fail(400, `${field}: not valid hex`);
  if (b.length !== bytes) return fail(400, `${field}: expected ${bytes} bytes, got ${b.length}`);
  return b;
}

/** Verified common part of both confirms (brief §2.2 steps 1–7). */
interface Verified {
  subject: string;
  local: string;
  domain: string;
  spk: Uint8Array;
  challenge: Uint8Array;
  serverPriv: Uint8Array;
  body: Record<string, unknown>;
}

/**
 * Builds the registration sub-app.
 *
 * @param deps the app dependencies
 * @returns a Hono app to mount at the root
 */
export function registrationRoutes(deps: ResolvedDeps): Hono {
  const app = new Hono();
  const mode = authMode(deps.config);
  const enabled = registrationEnabled(deps.config, mode);
  if (enabled) assertRegistrationConfig(deps.config);
  let secrets: Promise<RegistrationSecrets> | undefined;
  const getSecrets = () => secrets ??= loadRegistrationSecrets(deps.config);
  const node = deps.config.DMP_NODE_HOSTNAME ?? "";

  async function gate(c: Context, tsig: boolean) {
    if (!enabled) return fail(404, "not found");
    if (tsig && !deps.config.DMP_DNS_UPDATE_ENABLED) return fail(404, "tsig registration disabled");
    const ok = await allowRequest(deps, {
      key: `reg:${clientAddress(c, deps)}`,
      rate: deps.config.DMP_REGISTRATION_ENDPOINT_RATE_PER_SEC,
      burst: deps.config.DMP_REGISTRATION_ENDPOINT_RATE_BURST,
    });
    return ok ? undefined : fail(429, "registration rate limit exceeded");
  }

  // Brief §2.2 steps 1–7.
  async function verifyCommon(req: Request): Promise<Verified | Outcome> {
    const raw = await readJsonObject(req);
    if (raw.kind === "too_large") return fail(413, bodyTooLarge());
    if (raw.kind !== "ok") return fail(400, "invalid body");
    const parsed = ConfirmBody.safeParse(raw.value);
    if (!parsed.success) return fail(400, parsed.error.issues[0].message);
    const f = parsed.data;
    const subj = canonicalizeSubject(f.subject);
    if (subj.kind !== "ok") return fail(400, `subject invalid: ${subj.reason}`);
    const spk = parseHex("ed25519_spk", f.ed25519_spk, 32);
    if (!(spk instanceof Uint8Array)) return spk;
    const sig = parseHex("signature", f.signature, 64);
    if (!(sig instanceof Uint8Array)) return sig;
    const challenge = parseHex("challenge", f.challenge, 32);
    if (!(challenge instanceof Uint8Array)) return challenge;
    const now = deps.nowSeconds();
    const opened = await openChallenge((await getSecrets()).challengeKey, { challenge, now });
    if (opened.kind !== "ok") return fail(400, "challenge expired or unknown");
    const fresh = await consumeChallenge(deps.client, {
      challengeHex: bytesToHex(challenge),
      expiresAt: opened.expiresAt,
      now,
    });
    if (!fresh) return fail(400, "challenge expired or unknown");
    const msg = buildRegistrationMessage(challenge, { subject: subj.subject, node });
    if (!await verifyEd25519(sig, msg, spk)) return fail(401, "signature verification failed");
    const allow = deps.config.DMP_REGISTRATION_ALLOWLIST;
    if (allow.length > 0 && !allow.includes(subj.domain)) {
      return fail(403, "subject not in registration allowlist");
    }
    // Registrations made before claims existed get theirs before any guard runs.
    const zone = servedZone(deps.config);
    await ensureClaimsBackfilled(deps.client, {
      now,
      claimsOf: (s) => claimsForSubject(s, zone),
    });
    return {
      subject: subj.subject,
      local: subj.local,
      domain: subj.domain,
      spk,
      challenge,
      serverPriv: opened.serverPriv,
      body: raw.value,
    };
  }

  function send(c: Context, o: Outcome) {
    return c.json(o.body, o.status);
  }

  // Brief §2.1. The ephemeral key is derived, not stored.
  app.get("/v1/registration/challenge", async (c) => {
    const g = await gate(c, false);
    if (g) return send(c, g);
    const issued = await issueChallenge((await getSecrets()).challengeKey, {
      now: deps.nowSeconds(),
      random: deps.random,
    });
    return c.json({
      challenge: bytesToHex(issued.challenge),
      node,
      expires_at: issued.expiresAt,
      server_x25519_pub: bytesToHex(issued.serverPub),
      version: 1,
    });
  });

  // Brief §2.2.
  app.post("/v1/registration/confirm", async (c) => {
    const g = await gate(c, false);
    if (g) return send(c, g);
    const v = await verifyCommon(c.req.raw);
    if (!("spk" in v)) return send(c, v);
    const now = deps.nowSeconds();
    const ttl = deps.config.DMP_REGISTRATION_TOKEN_TTL_SECONDS;
    const token = generateUserToken(deps.random);
    const record = {
      subject: v.subject,
      subjectHash12: "",
      ratePerSec: deps.config.DMP_REGISTRATION_ISSUED_RATE_PER_SEC,
      rateBurst: deps.config.DMP_REGISTRATION_ISSUED_RATE_BURST,
      expiresAt: ttl > 0 ? now + ttl : null,
      issuer: "self-service",
      note: "",
      registeredSpk: bytesToHex(v.spk),
    };
    const r = await mintSelfServiceToken(deps.client, {
      token,
      record,
      claims: await subjectClaims(v, servedZone(deps.config)),
      now,
      extra: [auditStatement({
        ts: now,
        actor: "self-service",
        event: "issued",
        subject: v.subject,
        remoteAddr: clientAddress(c, deps),
        detail: `spk=${record.registeredSpk.slice(0, 16)}`,
      })],
    });
    if (r.kind === "takeover") {
      return c.json({
        error:
          "subject already has a live token; re-registration must be signed with the previously-registered Ed25519 key",
      }, 409);
    }
    return c.json({
      token,
      subject: v.subject,
      expires_at: record.expiresAt,
      rate_per_sec: record.ratePerSec,
      rate_burst: record.rateBurst,
    });
  });

  // Brief §2.3.
  app.post("/v1/registration/tsig-confirm", async (c) => {
    const g = await gate(c, true);
    if (g) return send(c, g);
    const v = await verifyCommon(c.req.raw);
    if (!("spk" in v)) return send(c, v);
    const extras = TsigExtras.safeParse(v.body);
    if (!extras.success) return c.json({ error: extras.error.issues[0].message }, 400);
    // Step 8: PoP only when x25519_pub is non-empty; a missing PoP silently drops the key.
    let x25519Pub: Uint8Array | undefined;
    if (extras.data.x25519_pub) {
      const pub = parseHex("x25519_pub", extras.data.x25519_pub, 32);
      if (!(pub instanceof Uint8Array)) return send(c, pub);
      if (extras.data.x25519_pop) {
        const pop = parseHex("x25519_pop", extras.data.x25519_pop, 32);
        if (!(pop instanceof Uint8Array)) return send(c, pop);
        const ok = await verifyX25519Pop({
          serverPriv: v.serverPriv,
          pop,
          challenge: v.challenge,
          subject: v.subject,
          x25519Pub: pub,
        });
        if (!ok) return c.json({ error: "x25519_pop verification failed: mismatch" }, 401);
        x25519Pub = pub;
      }
    }
    const zone = servedZone(deps.config);
    const spkHex = bytesToHex(v.spk);
    const keyName = await deriveTsigKeyName({ subject: v.subject, local: v.local, spkHex, zone });
    if (keyName.kind !== "ok") {
      // Reference message kept verbatim; the real limit is 47 (brief §2.3 step 10, §8.2 #12).
      return c.json({
        error: "subject local part too long for TSIG key label (max 54 chars)",
      }, 400);
    }
    const suffixes = await deriveTsigScope({
      local: v.local,
      spkHex,
      zone,
      x25519Pub,
      loose: deps.config.DMP_TSIG_LOOSE_SCOPE,
      tight: deps.config.DMP_TSIG_TIGHT_SCOPE,
    });
    const now = deps.nowSeconds();
    const ttl = deps.config.DMP_REGISTRATION_TOKEN_TTL_SECONDS;
    const expiresAt = ttl > 0 ? now + ttl : 0;
    const secret = deps.random(32);
    const storedName = keyName.name.slice(0, -1); // store canonical: no trailing dot
    const box = (await getSecrets()).box!;
    const upsert = await tsigKeyUpsertStatement(box, {
      name: storedName,
      algorithm: "hmac-sha256",
      secret,
      allowedSuffixes: suffixes,
      subject: v.subject,
      registeredSpk: spkHex,
      registeredX25519Pub: x25519Pub ? bytesToHex(x25519Pub) : "",
      expiresAt,
    }, now);
    try {
      // Step 11, atomic: the guard row's CHECK aborts the batch when a live token or
      // key of another Ed25519 key holds the subject or one of its name claims, or
      // this key name belongs to another subject (registration_claims.ts).
      const claims = await subjectClaims(v, zone);
      await deps.client.batch([
        registrationGuardStatement({
          subject: v.subject,
          spkHex,
          claims,
          now,
          keyName: storedName,
        }),
        upsert,
        ...claimStatements(tsigHolder(storedName), claims),
        { sql: "DELETE FROM write_guard" },
        tsigJournalStatement(now),
        auditStatement({
          ts: now,
          actor: "self-service",
          event: "tsig.minted",
          subject: v.subject,
          remoteAddr: clientAddress(c, deps),
          detail: `key=${storedName}`,
        }),
      ], "write");
    } catch (e) {
      if (/CHECK constraint failed/i.test(String((e as Error)?.message ?? e))) {
        return c.json({
          error:
            "subject already has a live TSIG key; re-registration must be signed with the previously-registered Ed25519 key",
        }, 409);
      }
      throw e;
    }
    return c.json({
      tsig_key_name: keyName.name,
      tsig_secret_hex: bytesToHex(secret),
      tsig_algorithm: "hmac-sha256",
      allowed_suffixes: suffixes,
      subject: v.subject,
      zone,
      expires_at: expiresAt,
    });
  });

  return app;
}
