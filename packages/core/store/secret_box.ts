/**
 * Encryption of secrets at rest (TSIG secrets): AES-256-GCM through WebCrypto
 * with a 32-byte key from DMP_TSIG_SECRET_KEY, so a database dump alone does
 * not reveal them. Stored form: base64(iv(12) ‖ ciphertext+tag); the key name
 * is bound as additional data so a ciphertext cannot be moved to another row.
 *
 * This module is browser compatible.
 * @module
 */

import { decodeBase64Strict, encodeBase64 } from "../dmp/base64_strict.ts";
import { hexToBytes } from "../dmp/hex.ts";

const encoder = new TextEncoder();

/** An AES-GCM key for sealing secrets. */
export interface SecretBox {
  seal(plain: Uint8Array, boundTo: string): Promise<string>;
  open(sealed: string, boundTo: string): Promise<Uint8Array | null>;
}

/**
 * Creates a box from 64 hex characters.
 *
 * @example
 * ```ts
 * import { createSecretBox } from "./secret_box.ts";
 * const box = await createSecretBox("00".repeat(32));
 * const sealed = await box.seal(new Uint8Array([1, 2]), "k.");
 * if ((await box.open(sealed, "k."))?.[1] !== 2 || (await box.open(sealed, "other.")) !== null) throw new Error();
 * ```
 */
export async function createSecretBox(keyHex: string): Promise<SecretBox> {
  const raw = hexToBytes(keyHex);
  if (!raw || raw.length !== 32) {
    throw new RangeError("Cannot create secret box: key must be 32 bytes (64 hex)");
  }
  const key = await crypto.subtle.importKey("raw", raw.slice(), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return {
    async seal(plain, boundTo) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) },
          key,
          plain.slice(),
        ),
      );
      const out = new Uint8Array(12 + ct.length);
      out.set(iv);
      out.set(ct, 12);
      return encodeBase64(out);
    },
    async open(sealed, boundTo) {
      const bytes = decodeBase64Strict(sealed);
      if (!bytes || bytes.length < 28) return null;
      try {
        return new Uint8Array(
          await crypto.subtle.decrypt(
            { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: encoder.encode(boundTo) },
            key,
            bytes.slice(12),
          ),
        );
      } catch {
        return null;
      }
    },
  };
}
