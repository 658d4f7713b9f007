/**
 * SHA-256 via WebCrypto (brief §6: vector seed derivation; §9 fact 6: hash12 labels).
 *
 * @module
 */

/** SHA-256 digest of `data` (WebCrypto; async because `crypto.subtle` is). */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  // Copy so the argument is a plain ArrayBuffer-backed view, as `BufferSource` requires.
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
}
