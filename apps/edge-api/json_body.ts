/**
 * Reading JSON request bodies the way the reference bounds them (brief §1.4):
 * at most 16384 bytes, empty body = `{}`, invalid JSON or a non-object =
 * invalid. The stream is read with a cap ({@linkcode readCappedBody}).
 *
 * One deliberate difference: the reference answers an oversized body like an
 * invalid one (400); we tell them apart (`too_large`) so routes answer 413
 * Content Too Large (RFC 9110 §15.5.14) and the client knows that shortening,
 * not fixing, the body is what helps (issue 10).
 *
 * @module
 */

import { readCappedBody } from "../../packages/core/http/capped_body.ts";

/** Largest accepted body (brief §1.4). */
export const MAX_BODY_BYTES = 16384;

/** The outcome of {@linkcode readJsonObject}. */
export type JsonBody =
  | { kind: "ok"; value: Record<string, unknown> }
  | { kind: "invalid" }
  | { kind: "too_large" };

/**
 * The error text of a 413 for a JSON body.
 *
 * @returns the message, naming the limit
 */
export function bodyTooLarge(): string {
  return `body exceeds ${MAX_BODY_BYTES} bytes`;
}

/**
 * Reads a JSON object body.
 *
 * @param req the request
 * @returns the parsed object, `too_large` past {@linkcode MAX_BODY_BYTES}, or `invalid`
 */
export async function readJsonObject(req: Request): Promise<JsonBody> {
  const bytes = await readCappedBody(req, MAX_BODY_BYTES);
  if (bytes === null) return { kind: "too_large" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { kind: "invalid" };
  }
  if (text.trim() === "") return { kind: "ok", value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "invalid" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { kind: "invalid" };
  }
  return { kind: "ok", value: parsed as Record<string, unknown> };
}
