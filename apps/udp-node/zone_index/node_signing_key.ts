/**
 * The zone signing key as the node process uses it: the WebCrypto key of
 * `packages/core/dnssec/signing_key.ts` (DNSKEY, key tag, algorithm), whose
 * signatures are made by `node:crypto` when the node runs under Node.
 *
 * Why: a black lie for a name that does not exist needs a fresh signature
 * (RFC 9824), so signing bounds the DO=1 answers/s under a random-name mix.
 * Node's WebCrypto `sign` queues a job to the libuv thread pool and back
 * (~45 µs of CPU per ECDSA P-256 signature here, algorithm normalisation
 * included); `crypto.sign` with a `KeyObject` is the same OpenSSL call made
 * in place (~30 µs). Under Deno, whose `node:crypto` signs in JavaScript
 * (~2 ms), the WebCrypto key is kept as it is.
 *
 * @module
 */

import { createPrivateKey, sign } from "node:crypto";
import {
  DNSSEC_ALGORITHM,
  type ExportedKey,
  importSigningKey,
  type SigningKey,
} from "../../../packages/core/dnssec/signing_key.ts";

/** Whether {@linkcode importNodeSigningKey} signs through `node:crypto` in this runtime. */
export const SIGNS_WITH_NODE_CRYPTO = !("Deno" in globalThis);

/** {@linkcode importSigningKey}, signing through `node:crypto` under Node. */
export async function importNodeSigningKey(k: ExportedKey): Promise<SigningKey> {
  const key = await importSigningKey(k);
  if (!SIGNS_WITH_NODE_CRYPTO) return key;
  const privateKey = createPrivateKey({ key: k.pkcs8.slice(), format: "der", type: "pkcs8" });
  // RFC 6605 §4: ECDSA as r | s (IEEE P1363) over SHA-256; RFC 8080 §3: Ed25519 hashes itself.
  const ecdsa = k.algorithm === DNSSEC_ALGORITHM.ECDSAP256SHA256;
  const options = ecdsa ? { key: privateKey, dsaEncoding: "ieee-p1363" as const } : privateKey;
  return {
    ...key,
    sign: (data) => Promise.resolve(sign(ecdsa ? "sha256" : null, data, options)),
  };
}
