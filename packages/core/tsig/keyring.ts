/**
 * TSIG keys, the keyring interface the verifier looks keys up in, and a
 * bounded cache of imported MAC keys so the hot path does not re-import a
 * secret for every packet (keyrings may be rebuilt per packet,
 * as the reference node does, so the cache is keyed by name + algorithm and
 * re-validated against the secret).
 *
 * Key names are canonical (RFC 8945 §4.3.3 compares them in canonical form):
 * ASCII lower-case, no trailing dot.
 *
 * This module is browser compatible.
 * @module
 */

import { canonicalName } from "../wire/name.ts";
import { canonicalAlgorithmName, type TsigAlgorithm, tsigAlgorithm } from "./algorithm.ts";
import { Sha256Hmac } from "./hmac_sha256.ts";

/** A shared secret (RFC 8945 §3). */
export interface TsigKey {
  /** Key name, canonical: lower-case, no trailing dot. */
  name: string;
  /** Algorithm, canonical, e.g. `"hmac-sha256"`. */
  algorithm: string;
  /** The raw secret octets. */
  secret: Uint8Array;
}

/** Where the verifier finds keys (RFC 8945 §5.2.1). */
export interface Keyring {
  /** The key with this name (any case, trailing dot optional), or undefined. */
  lookup(name: string): TsigKey | undefined;
}

/**
 * Builds a {@linkcode TsigKey} with canonical name and algorithm. The secret
 * may be given raw or as standard base64 (as in `dig -y` / BIND `secret`).
 * Throws RangeError on an empty secret or invalid base64.
 *
 * @example
 * ```ts
 * import { tsigKey } from "./keyring.ts";
 * const k = tsigKey("Alice.Example.COM.", "HMAC-SHA256.", "c2VjcmV0");
 * if (k.name !== "alice.example.com" || k.algorithm !== "hmac-sha256") throw new Error();
 * ```
 */
export function tsigKey(name: string, algorithm: string, secret: Uint8Array | string): TsigKey {
  const raw = typeof secret === "string" ? decodeBase64(secret) : secret.slice();
  if (raw.length === 0) throw new RangeError("TSIG secret must not be empty");
  return { name: canonicalName(name), algorithm: canonicalAlgorithmName(algorithm), secret: raw };
}

/**
 * A keyring over a fixed set of keys (later duplicates win).
 *
 * @example
 * ```ts
 * import { createKeyring, tsigKey } from "./keyring.ts";
 * const ring = createKeyring([tsigKey("k.example", "hmac-sha256", "c2VjcmV0")]);
 * if (ring.lookup("K.EXAMPLE.") === undefined) throw new Error();
 * ```
 */
export function createKeyring(keys: Iterable<TsigKey>): Keyring {
  const map = new Map<string, TsigKey>();
  for (const k of keys) map.set(canonicalName(k.name), k);
  return { lookup: (name: string) => map.get(canonicalName(name)) };
}

/** A key ready to compute MACs. */
export interface MacKey {
  /** The algorithm (hash and full MAC length). */
  readonly algorithm: TsigAlgorithm;
  /** Computes the full-length MAC of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** The same MAC computed synchronously, where the algorithm allows (the SHA-256 family). */
  macSync?(data: Uint8Array): Uint8Array;
}

interface CacheEntry {
  secret: Uint8Array;
  key: Promise<MacKey>;
  /** the key once `key` has resolved: {@linkcode MacKeyCache.peek} hands it out without a tick */
  resolved?: MacKey;
}

/**
 * A bounded, least-recently-used cache of imported MAC keys, keyed by key
 * name and algorithm and checked against the secret on every hit (so a key
 * re-minted under the same name is re-imported).
 *
 * @example
 * ```ts
 * import { MacKeyCache, tsigKey } from "./keyring.ts";
 * const cache = new MacKeyCache(2);
 * const mk = await cache.get(tsigKey("k", "hmac-sha256", "c2VjcmV0"));
 * if (mk === undefined || (await mk.sign(new Uint8Array())).length !== 32) throw new Error();
 * ```
 */
export class MacKeyCache {
  readonly #max: number;
  readonly #entries = new Map<string, CacheEntry>();

  /** @param maxEntries cap on cached keys (at least 1); the least recently used is dropped. */
  constructor(maxEntries = 4096) {
    this.#max = Math.max(1, Math.floor(maxEntries));
  }

  /** Number of cached keys. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The MAC key for `key` if it is already imported (the secret checked as in
   * {@linkcode get}), without a promise: the per-message path of a busy
   * server. Does not refresh the entry's recency; `get` does.
   */
  peek(key: TsigKey): MacKey | undefined {
    const algorithm = tsigAlgorithm(key.algorithm);
    if (!algorithm) return undefined;
    const hit = this.#entries.get(`${canonicalName(key.name)}\u0000${algorithm.name}`);
    return hit?.resolved && bytesEqual(hit.secret, key.secret) ? hit.resolved : undefined;
  }

  /**
   * The MAC key for `key`, importing it on a miss. Resolves to undefined
   * when the algorithm is unsupported or the secret cannot be imported.
   */
  async get(key: TsigKey): Promise<MacKey | undefined> {
    const algorithm = tsigAlgorithm(key.algorithm);
    if (!algorithm || key.secret.length === 0) return undefined;
    const id = `${canonicalName(key.name)}\u0000${algorithm.name}`;
    const hit = this.#entries.get(id);
    if (hit && bytesEqual(hit.secret, key.secret)) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      try {
        return await hit.key;
      } catch {
        if (this.#entries.get(id) === hit) this.#entries.delete(id);
        return undefined;
      }
    }
    const entry: CacheEntry = {
      secret: key.secret.slice(),
      key: importMacKey(algorithm, key.secret),
    };
    entry.key.then((k) => entry.resolved = k, () => {});
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    try {
      return await entry.key;
    } catch {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      return undefined;
    }
  }

  /** Drops every cached key (e.g. after a key is revoked). */
  clear(): void {
    this.#entries.clear();
  }
}

/** The process-wide cache used when callers do not pass their own. */
export const defaultMacKeyCache: MacKeyCache = new MacKeyCache();

async function importMacKey(algorithm: TsigAlgorithm, secret: Uint8Array): Promise<MacKey> {
  // The SHA-256 family (hmac-sha256 is what DMP mints) in plain TypeScript: synchronous, no
  // thread-pool round trip, no garbage but the MAC itself (hmac_sha256.ts says why).
  if (algorithm.hash === "SHA-256" || algorithm.hash === "SHA-224") {
    const hmac = new Sha256Hmac(secret, algorithm.hash);
    return {
      algorithm,
      sign: (data) => Promise.resolve(hmac.mac(data)),
      macSync: (data) => hmac.mac(data),
    };
  }
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    secret.slice(),
    { name: "HMAC", hash: algorithm.hash },
    false,
    ["sign"],
  );
  return {
    algorithm,
    sign: async (data) => new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data.slice())),
  };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function decodeBase64(text: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(text.replace(/\s+/g, ""));
  } catch {
    throw new RangeError("TSIG secret is not valid base64");
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
