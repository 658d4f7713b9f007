/**
 * Multi-tenant name classification (brief §1.5 table): which owner names a
 * user token may write. Names are ASCII, lower-cased, trailing dot stripped,
 * `[a-z0-9.-]` only (so `_` names are operator-only territory, as in the
 * reference), no empty labels, at least one dot.
 *
 * @module
 */

import { bytesToHex } from "../../../../packages/core/dmp/hex.ts";
import { sha256 } from "../../../../packages/core/dmp/sha256.ts";

/** The class of an owner name. */
export type NameClass =
  /** `dmp.<user>.<domain>`, `rotate.dmp.<user>.<domain>`: subject must be user@domain */
  | { kind: "owner_subject"; subject: string }
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
 * Classifies an owner name (brief §1.5).
 *
 * @param raw the owner name as written
 * @returns its class
 *
 * @example
 * ```ts
 * import { classifyName } from "./name_class.ts";
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
  if (l0 === "dmp" && labels.length >= 3) {
    return { kind: "owner_subject", subject: `${l1}@${rest(2)}` };
  }
  if (l0 === "rotate" && l1 === "dmp" && labels.length >= 4) {
    if (/^id-[0-9a-f]{12}$/.test(l2)) return { kind: "operator_only" };
    return { kind: "owner_subject", subject: `${l2}@${rest(3)}` };
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
 * True when a token for `subject` may perform `op` at a name of class `cls`
 * (brief §1.5: owner-exclusive names for their owner, shared pool add-only).
 *
 * @param cls the name's class
 * @param options the token's subject, its subject_hash12 and the operation
 * @returns whether the write is in the token's scope
 */
export async function tokenMayWrite(
  cls: NameClass,
  options: { subject: string; subjectHash12: string; op: "add" | "delete" },
): Promise<boolean> {
  switch (cls.kind) {
    case "owner_subject":
      return cls.subject === options.subject;
    case "owner_identity": {
      const at = options.subject.indexOf("@");
      if (at < 0) return false;
      const local = options.subject.slice(0, at);
      const domain = options.subject.slice(at + 1);
      const h = bytesToHex(await sha256(new TextEncoder().encode(local)));
      return domain === cls.domain && h.slice(0, cls.hash.length) === cls.hash;
    }
    case "owner_prekey":
      return options.subjectHash12 !== "" && options.subjectHash12 === cls.hash12;
    case "shared_pool":
      return options.op === "add";
    default:
      return false;
  }
}
