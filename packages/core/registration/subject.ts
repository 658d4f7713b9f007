/**
 * Registration subjects (`user@domain`): canonicalization exactly as the
 * reference does it (brief §1.5 "Subjects", §2.2 step 3): NFKC-normalize,
 * strip, lower-case, then require pure ASCII and the subject pattern. The
 * canonical spelling is what gets signed (§2.2: a client that signs another
 * spelling gets 401) and what names keys and tokens.
 *
 * This module is browser compatible.
 * @module
 */

const SUBJECT_RE =
  /^[a-z0-9][a-z0-9._+-]*@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/** The outcome of {@linkcode canonicalizeSubject}. */
export type SubjectResult =
  | { kind: "ok"; subject: string; local: string; domain: string }
  | { kind: "invalid"; reason: string };

/**
 * Canonicalizes a subject (brief §1.5). A failure carries the reason the
 * reference reports after `subject invalid: `.
 *
 * @param raw the subject as the client sent it
 * @returns the canonical subject with its local part and domain, or why it is invalid
 *
 * @example Upper case folds; homoglyphs are refused
 * ```ts
 * import { canonicalizeSubject } from "./subject.ts";
 * const r = canonicalizeSubject(" Bob@Mesh.Example.com ");
 * if (r.kind !== "ok" || r.subject !== "bob@mesh.example.com" || r.local !== "bob") throw new Error();
 * if (canonicalizeSubject("аlice@example.com").kind !== "invalid") throw new Error(); // Cyrillic а
 * ```
 */
export function canonicalizeSubject(raw: string): SubjectResult {
  // Python str.strip() strips Unicode whitespace; String.prototype.trim is the same set
  // for every character NFKC can leave behind.
  const s = raw.normalize("NFKC").trim().toLowerCase();
  if (s.length === 0) return { kind: "invalid", reason: "empty" };
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return { kind: "invalid", reason: "must be ASCII" };
  }
  if (!SUBJECT_RE.test(s)) return { kind: "invalid", reason: "expected user@domain" };
  const at = s.indexOf("@");
  return { kind: "ok", subject: s, local: s.slice(0, at), domain: s.slice(at + 1) };
}
