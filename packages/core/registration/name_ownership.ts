/**
 * Name ownership: the one rule that decides which owner names belong to a
 * registered subject, whichever route registered it (bearer token from
 * `/v1/registration/confirm`, TSIG key from `/v1/registration/tsig-confirm`),
 * and which names a user token may write on `/v1/records` (brief §1.5 table).
 *
 * A subject `L@D` on a node serving zone `Z` owns the subtrees of its
 * *claims*:
 *
 * - `dmp.L.D` (and `rotate.dmp.L.D`): the zone-anchored identity. The name is
 *   the plain concatenation, so `x@y.zone` and `x.y@zone` both derive
 *   `dmp.x.y.zone`; that is why it is a claim and not a parse: the store lets
 *   one live registration hold it (issue 12 finding 3; the reference splits at
 *   the first label and so silently gives it to `x@y.zone`).
 * - `id-<h12(L)>.D` and `id-<h12(L)>.Z`: the hashed identity names. The
 *   reference derives them from the local part only (brief §2.3 step 9, §9
 *   fact 6) and clients publish there, so they cannot change; two subjects with
 *   the same local part on different domains (`alice@example.com`,
 *   `alice@attacker.test`) derive the same name in `Z`. The claim makes the
 *   second registration a 409 instead of a shared key (issue 12 finding 1).
 *   The 12-hex form is claimed because it prefixes the 16-hex one: a local
 *   part found by a 2^48 search to share `h12` conflicts too.
 *
 * Registration refuses a subject whose claims intersect those of any live
 * registration (token or TSIG key) bound to another Ed25519 key; the same
 * key may hold both a token and a TSIG key (issue 12 finding 2).
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex } from "../dmp/hex.ts";
import { sha256 } from "../dmp/sha256.ts";

const encoder = new TextEncoder();

async function localHash(local: string): Promise<string> {
  return bytesToHex(await sha256(encoder.encode(local)));
}

/** A canonical subject split into its parts (see `subject.ts`). */
export interface SubjectParts {
  /** `local@domain`, canonical */
  subject: string;
  local: string;
  domain: string;
}

function splitSubject(subject: string): SubjectParts | undefined {
  const at = subject.indexOf("@");
  if (at <= 0 || at === subject.length - 1) return undefined;
  return { subject, local: subject.slice(0, at), domain: subject.slice(at + 1) };
}

/**
 * The owner-exclusive name roots a subject holds (see the module comment),
 * sorted and de-duplicated. Both registration routes store these and refuse
 * a registration that would share one with another key.
 *
 * @param s the canonical subject and its parts
 * @param zone the served zone, lower-case, no trailing dot ("" when none)
 * @returns the claimed names
 *
 * @example Same local part, other domain: one shared claim in the zone
 * ```ts
 * import { subjectClaims } from "./name_ownership.ts";
 * const a = await subjectClaims({ subject: "alice@example.com", local: "alice", domain: "example.com" }, "example.com");
 * const b = await subjectClaims({ subject: "alice@attacker.test", local: "alice", domain: "attacker.test" }, "example.com");
 * if (!a.some((c) => b.includes(c))) throw new Error();
 * ```
 */
export async function subjectClaims(s: SubjectParts, zone: string): Promise<string[]> {
  const h12 = (await localHash(s.local)).slice(0, 12);
  const out = new Set([`dmp.${s.local}.${s.domain}`, `id-${h12}.${s.domain}`]);
  if (zone) out.add(`id-${h12}.${zone}`);
  return [...out].sort();
}

/**
 * {@linkcode subjectClaims} of a stored canonical subject string.
 *
 * @param subject `local@domain` as stored with a token or key
 * @param zone the served zone
 * @returns its claims, or undefined when the text is not `local@domain`
 *
 * @example
 * ```ts
 * import { claimsForSubject } from "./name_ownership.ts";
 * if (!(await claimsForSubject("x@y.zone", "zone"))?.includes("dmp.x.y.zone")) throw new Error();
 * if (await claimsForSubject("nonsense", "zone") !== undefined) throw new Error();
 * ```
 */
export async function claimsForSubject(
  subject: string,
  zone: string,
): Promise<string[] | undefined> {
  const s = splitSubject(subject);
  return s ? await subjectClaims(s, zone) : undefined;
}

/** The class of an owner name on the records route (brief §1.5 table). */
export type NameClass =
  /** `dmp.<rest>`, `rotate.dmp.<rest>`: the subject whose `dmp.L.D` equals `dmp.<rest>` */
  | { kind: "owner_subject"; dmpName: string }
  /** `id-<hash16>.<domain>`, `prekeys.id-<hash12>.<domain>`: hash of the subject's local part */
  | { kind: "owner_identity"; hash: string; domain: string }
  /** `pk-<N>.<hash12>.<domain>`: the token's subject_hash12 */
  | { kind: "owner_prekey"; hash12: string }
  /** `slot-<N>.mb-<hash12>.<domain>`, `chunk-<N>-<hash12>.<domain>`: any live token may add */
  | { kind: "shared_pool" }
  | { kind: "operator_only" }
  | { kind: "unknown" };

const HEX12 = /^[0-9a-f]{12}$/;

/**
 * Classifies an owner name (brief §1.5). Names are ASCII, lower-cased,
 * trailing dot stripped, `[a-z0-9.-]` only (so `_` names are operator-only
 * territory, as in the reference), no empty labels, at least one dot.
 *
 * @param raw the owner name as written
 * @returns its class
 *
 * @example
 * ```ts
 * import { classifyName } from "./name_ownership.ts";
 * if (classifyName("slot-3.mb-0123456789ab.example.com").kind !== "shared_pool") throw new Error();
 * if (classifyName("cluster.example.com").kind !== "operator_only") throw new Error();
 * if (classifyName("_x.example.com").kind !== "unknown") throw new Error();
 * ```
 */
export function classifyName(raw: string): NameClass {
  const name = raw.toLowerCase().replace(/\.$/, "");
  if (!/^[a-z0-9.-]+$/.test(name) || !name.includes(".")) return { kind: "unknown" };
  const labels = name.split(".");
  if (labels.some((l) => l.length === 0)) return { kind: "unknown" };
  const rest = (from: number) => labels.slice(from).join(".");
  const [l0, l1, l2] = labels;
  if (l0 === "dmp" && labels.length >= 3) return { kind: "owner_subject", dmpName: name };
  if (l0 === "rotate" && l1 === "dmp" && labels.length >= 4) {
    if (/^id-[0-9a-f]{12}$/.test(l2)) return { kind: "operator_only" };
    return { kind: "owner_subject", dmpName: rest(1) };
  }
  if (/^id-[0-9a-f]{16}$/.test(l0) && labels.length >= 2) {
    return { kind: "owner_identity", hash: l0.slice(3), domain: rest(1) };
  }
  if (l0 === "prekeys" && labels.length >= 3 && /^id-[0-9a-f]{12}$/.test(l1)) {
    return { kind: "owner_identity", hash: l1.slice(3), domain: rest(2) };
  }
  if (/^pk-\d+$/.test(l0) && labels.length >= 3 && HEX12.test(l1)) {
    return { kind: "owner_prekey", hash12: l1 };
  }
  if (/^slot-\d+$/.test(l0) && labels.length >= 3 && /^mb-[0-9a-f]{12}$/.test(l1)) {
    return { kind: "shared_pool" };
  }
  if (/^chunk-\d+-[0-9a-f]{12}$/.test(l0) && labels.length >= 2) return { kind: "shared_pool" };
  return { kind: "operator_only" };
}

/**
 * True when a token for `subject` may perform `op` at a name of class `cls`:
 * owner-exclusive names only inside the subject's own claims
 * ({@linkcode subjectClaims}), the shared pool add-only (brief §1.5).
 *
 * @param cls the name's class
 * @param options the token's subject, its subject_hash12 and the operation
 * @returns whether the write is in the token's scope
 *
 * @example `x@y.zone` derives `dmp.x.y.zone`; `x@zone` does not
 * ```ts
 * import { classifyName, subjectMayWrite } from "./name_ownership.ts";
 * const cls = classifyName("dmp.x.y.zone");
 * const opts = { subjectHash12: "", op: "add" as const };
 * if (!await subjectMayWrite(cls, { ...opts, subject: "x@y.zone" })) throw new Error();
 * if (await subjectMayWrite(cls, { ...opts, subject: "x@zone" })) throw new Error();
 * ```
 */
export async function subjectMayWrite(
  cls: NameClass,
  options: { subject: string; subjectHash12: string; op: "add" | "delete" },
): Promise<boolean> {
  switch (cls.kind) {
    case "owner_subject": {
      const s = splitSubject(options.subject);
      return s !== undefined && cls.dmpName === `dmp.${s.local}.${s.domain}`;
    }
    case "owner_identity": {
      const s = splitSubject(options.subject);
      // Only under the subject's own domain (brief §1.5). Its claim on the
      // served zone's `id-<h12>` keeps the name from anyone else; writing
      // there takes its TSIG key (tokens issued by the operator carry no
      // claims, so widening this would hand them other subjects' names).
      if (!s || cls.domain !== s.domain) return false;
      return (await localHash(s.local)).slice(0, cls.hash.length) === cls.hash;
    }
    case "owner_prekey":
      return options.subjectHash12 !== "" && options.subjectHash12 === cls.hash12;
    case "shared_pool":
      return options.op === "add";
    default:
      return false;
  }
}

/**
 * The claim (see {@linkcode subjectClaims}) that covers a name of class
 * `cls`, or undefined for names no registration claims (shared pool,
 * operator-only, prekey pool names keyed by an X25519 hash).
 *
 * @param cls the name's class
 * @returns the claim
 *
 * @example
 * ```ts
 * import { claimOf, classifyName } from "./name_ownership.ts";
 * if (claimOf(classifyName("rotate.dmp.x.y.zone")) !== "dmp.x.y.zone") throw new Error();
 * if (claimOf(classifyName("prekeys.id-0123456789ab.zone")) !== "id-0123456789ab.zone") throw new Error();
 * ```
 */
export function claimOf(cls: NameClass): string | undefined {
  if (cls.kind === "owner_subject") return cls.dmpName;
  if (cls.kind === "owner_identity") return `id-${cls.hash.slice(0, 12)}.${cls.domain}`;
  return undefined;
}
