/**
 * Scope and name of a TSIG key minted by `/v1/registration/tsig-confirm`
 * (brief §2.3 steps 9 and 10, §9 fact 6).
 *
 * Scope: loose → the whole zone. Otherwise always the two identity names
 * `id-<sha256hex(local)[:16]>` and `[:12]` plus `_dnsmesh-claim-<spk[:16]>`;
 * unless tight, the four shared wildcard namespaces; and with a PoP-verified
 * X25519 key the mailbox `mb-<sha256hex(sha256(x25519_pub))[:12]>` (double
 * SHA-256). Sorted and de-duplicated.
 *
 * Key name: `<local>-<spk_hex[:8]>-<sha256hex(subject)[:6]>.<zone>.`; the
 * part before the zone must fit one 63-octet label.
 *
 * The identity names depend on the local part only (clients publish there),
 * so two subjects with one local part derive the same scope; registration
 * refuses the second one (`name_ownership.ts`, issue 12 finding 1).
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex } from "../dmp/hex.ts";
import { sha256 } from "../dmp/sha256.ts";

const encoder = new TextEncoder();

async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return bytesToHex(await sha256(typeof data === "string" ? encoder.encode(data) : data));
}

/** Inputs of {@linkcode deriveTsigScope}. */
export interface TsigScopeInput {
  /** lower-cased local part of the canonical subject */
  local: string;
  /** the registered Ed25519 public key, lower-case hex */
  spkHex: string;
  /** the served zone, lower-case, no trailing dot */
  zone: string;
  /** the PoP-verified X25519 public key, or undefined when none (or PoP missing) */
  x25519Pub?: Uint8Array;
  /** DMP_TSIG_LOOSE_SCOPE */
  loose: boolean;
  /** DMP_TSIG_TIGHT_SCOPE */
  tight: boolean;
}

/**
 * Derives the allowed suffixes of a minted key (brief §2.3 step 9).
 *
 * @param input subject local part, spk, zone, optional X25519 key and the scope switches
 * @returns the suffixes, sorted and de-duplicated
 *
 * @example Tight scope keeps only the literal names
 * ```ts
 * import { deriveTsigScope } from "./tsig_scope.ts";
 * const s = await deriveTsigScope({ local: "bob", spkHex: "42".repeat(32), zone: "z.example",
 *   loose: false, tight: true });
 * if (s.length !== 3 || s.some((x) => x.includes("*"))) throw new Error();
 * ```
 */
export async function deriveTsigScope(input: TsigScopeInput): Promise<string[]> {
  const z = input.zone;
  if (input.loose) return [z];
  const localHash = await sha256Hex(input.local);
  const out = new Set<string>([
    `id-${localHash.slice(0, 16)}.${z}`,
    `id-${localHash.slice(0, 12)}.${z}`,
    `_dnsmesh-claim-${input.spkHex.slice(0, 16)}.${z}`,
  ]);
  if (!input.tight) {
    out.add(`_dnsmesh-claim-*.${z}`);
    out.add(`slot-*.mb-*.${z}`);
    out.add(`chunk-*-*.${z}`);
    out.add(`claim-*.mb-*.${z}`);
  }
  if (input.x25519Pub) {
    out.add(`mb-${(await sha256Hex(await sha256(input.x25519Pub))).slice(0, 12)}.${z}`);
  }
  return [...out].sort();
}

/** The outcome of {@linkcode deriveTsigKeyName}. */
export type TsigKeyNameResult =
  | { kind: "ok"; name: string }
  | { kind: "label_too_long"; label: string };

/**
 * Derives the minted key's name (brief §2.3 step 10), with the trailing dot
 * the reference returns.
 *
 * @param input the canonical subject, its local part, the spk hex and the zone
 * @returns the key name, or `label_too_long` when the first label exceeds 63 octets
 *
 * @example
 * ```ts
 * import { deriveTsigKeyName } from "./tsig_scope.ts";
 * const r = await deriveTsigKeyName({ subject: "alice@mesh.example.com", local: "alice",
 *   spkHex: "781e6562163ae24a6d44b5992ad5ceb2d6e990645e73beafcd7fd197d95a8608", zone: "mesh.example.com" });
 * if (r.kind !== "ok" || r.name !== "alice-781e6562-33bd8c.mesh.example.com.") throw new Error();
 * ```
 */
export async function deriveTsigKeyName(
  input: { subject: string; local: string; spkHex: string; zone: string },
): Promise<TsigKeyNameResult> {
  const tag = (await sha256Hex(input.subject)).slice(0, 6);
  const label = `${input.local}-${input.spkHex.slice(0, 8)}-${tag}`.toLowerCase();
  if (label.length > 63) return { kind: "label_too_long", label };
  return { kind: "ok", name: `${label}.${input.zone}.` };
}
