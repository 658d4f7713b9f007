/**
 * TSIG algorithm names (RFC 8945 §6, IANA "TSIG Algorithm Names") and the
 * WebCrypto HMAC hash and full MAC length behind each one.
 *
 * Names are handled canonically: ASCII lower-case, no trailing dot. DMP mints
 * `hmac-sha256` keys (the RFC 8945 §6 "MUST implement" algorithm).
 * `hmac-md5.sig-alg.reg.int` is recognised but deliberately unsupported: a
 * request using it is answered BADKEY (RFC 8945 §5.2.1 "algorithm not
 * supported").
 *
 * This module is browser compatible.
 * @module
 */

/** WebCrypto digest names usable with HMAC. */
export type HmacHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** One supported TSIG algorithm. */
export interface TsigAlgorithm {
  /** Canonical algorithm name, e.g. `"hmac-sha256"` (RFC 8945 §6). */
  readonly name: string;
  /**
   * Hash used by HMAC (RFC 2104). SHA-256 and SHA-224 (which WebCrypto lacks)
   * are computed by `hmac_sha256.ts`, the others by WebCrypto.
   */
  readonly hash: HmacHash | "SHA-224";
  /** Length in octets of the untruncated MAC (the hash output length). */
  readonly macLength: number;
}

/** The algorithm DMP mints keys for (RFC 8945 §6: hmac-sha256 is mandatory to implement). */
export const DEFAULT_ALGORITHM = "hmac-sha256";

/** The legacy HMAC-MD5 name (RFC 8945 §6): recognised, never accepted. */
export const HMAC_MD5 = "hmac-md5.sig-alg.reg.int";

const ALGORITHMS: ReadonlyMap<string, TsigAlgorithm> = new Map(
  (
    [
      ["hmac-sha1", "SHA-1", 20],
      ["hmac-sha224", "SHA-224", 28],
      ["hmac-sha256", "SHA-256", 32],
      ["hmac-sha384", "SHA-384", 48],
      ["hmac-sha512", "SHA-512", 64],
    ] as const
  ).map(([name, hash, macLength]) => [name, { name, hash, macLength }]),
);

/**
 * Canonical form of an algorithm name: ASCII lower-case, trailing dot removed.
 *
 * @example
 * ```ts
 * import { canonicalAlgorithmName } from "./algorithm.ts";
 * if (canonicalAlgorithmName("HMAC-SHA256.") !== "hmac-sha256") throw new Error();
 * ```
 */
export function canonicalAlgorithmName(name: string): string {
  const s = name.endsWith(".") ? name.slice(0, -1) : name;
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * The supported algorithm for a name (any case, with or without trailing dot),
 * or undefined when it is unknown or unsupported (HMAC-MD5, GSS-TSIG, ...).
 *
 * @example
 * ```ts
 * import { tsigAlgorithm } from "./algorithm.ts";
 * if (tsigAlgorithm("hmac-sha256.")?.macLength !== 32) throw new Error();
 * if (tsigAlgorithm("hmac-md5.sig-alg.reg.int") !== undefined) throw new Error();
 * ```
 */
export function tsigAlgorithm(name: string): TsigAlgorithm | undefined {
  return ALGORITHMS.get(canonicalAlgorithmName(name));
}

/**
 * True for names registered for TSIG that this module knows of, including the
 * unsupported HMAC-MD5 (so callers can tell "known but refused" from garbage).
 *
 * @example
 * ```ts
 * import { isKnownAlgorithmName } from "./algorithm.ts";
 * if (!isKnownAlgorithmName("HMAC-MD5.SIG-ALG.REG.INT.")) throw new Error();
 * ```
 */
export function isKnownAlgorithmName(name: string): boolean {
  const c = canonicalAlgorithmName(name);
  return c === HMAC_MD5 || ALGORITHMS.has(c);
}

/** Canonical names of all supported algorithms. */
export const SUPPORTED_ALGORITHMS: readonly string[] = [...ALGORITHMS.keys()];

/**
 * Shortest MAC accepted for an algorithm: the larger of 10 octets and half the
 * hash output length (RFC 8945 §5.2.2.1; half of an odd length rounds up).
 *
 * @example
 * ```ts
 * import { minimumMacLength, tsigAlgorithm } from "./algorithm.ts";
 * if (minimumMacLength(tsigAlgorithm("hmac-sha1")!) !== 10) throw new Error();
 * if (minimumMacLength(tsigAlgorithm("hmac-sha256")!) !== 16) throw new Error();
 * ```
 */
export function minimumMacLength(algorithm: TsigAlgorithm): number {
  return Math.max(10, Math.ceil(algorithm.macLength / 2));
}
