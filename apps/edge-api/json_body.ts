/**
 * Reading JSON request bodies the way the reference bounds them (brief §1.4):
 * at most 16384 bytes, empty body = `{}`, invalid JSON or a non-object =
 * invalid. The stream is read with a cap ({@linkcode readCappedBody}).
 *
 * @module
 */

import { readCappedBody } from "../../packages/core/http/capped_body.ts";

/** Largest accepted body (brief §1.4). */
export const MAX_BODY_BYTES = 16384;

/** The outcome of {@linkcode readJsonObject}. */
export type JsonBody = { kind: "ok"; value: Record<string, unknown> } | { kind: "invalid" };

/**
 * Reads a JSON object body.
 *
 * @param req the request
 * @returns the parsed object, or `invalid`
 */
export async function readJsonObject(req: Request): Promise<JsonBody> {
  const bytes = await readCappedBody(req, MAX_BODY_BYTES);
  if (bytes === null) return { kind: "invalid" };
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
