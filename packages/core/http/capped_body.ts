/**
 * Reading a request or response body with a size cap: a declared
 * Content-Length over the cap is refused before reading, and the stream is
 * cancelled as soon as it passes the cap, so an oversized body is never
 * buffered whole. Shared by the edge (JSON bodies, crawled DoH answers) and
 * the node's DoH listener.
 *
 * This module is browser compatible.
 * @module
 */

/**
 * The body of `message` (a Request or a Response), or null when it is over
 * `cap` bytes. No body is an empty array.
 *
 * @example
 * ```ts
 * import { readCappedBody } from "./capped_body.ts";
 * const body = await readCappedBody(new Response("12345"), 4);
 * if (body !== null) throw new Error();
 * ```
 */
export async function readCappedBody(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  cap: number,
): Promise<Uint8Array | null> {
  const declared = Number(message.headers.get("content-length") ?? "0");
  if (declared > cap) {
    await message.body?.cancel();
    return null;
  }
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > cap) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
