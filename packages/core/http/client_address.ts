/**
 * The client address used for per-IP limits and audit rows (brief §8.4 #18),
 * by the edge API and the node's DoH listener alike. The trusted proxy header
 * is honoured only when `DMP_TRUSTED_PROXY_HEADER` names it; otherwise the
 * transport peer is used and client-supplied headers are ignored. For
 * `x-forwarded-for` the last entry is taken: the one our (single, trusted)
 * proxy appended, which a client cannot forge.
 *
 * This module is browser compatible.
 * @module
 */

/**
 * The client address of a request.
 *
 * @param trustedHeader DMP_TRUSTED_PROXY_HEADER (lower case), or undefined
 * @param header reads a request header
 * @param peer the transport peer's address, when the runtime knows it
 * @returns an address (at most 64 characters), or "unknown"
 *
 * @example
 * ```ts
 * import { clientAddressOf } from "./client_address.ts";
 * const h = (n: string) => n === "x-forwarded-for" ? "6.6.6.6, 192.0.2.1" : undefined;
 * if (clientAddressOf("x-forwarded-for", h, "10.0.0.1") !== "192.0.2.1") throw new Error();
 * if (clientAddressOf(undefined, h, "10.0.0.1") !== "10.0.0.1") throw new Error();
 * ```
 */
export function clientAddressOf(
  trustedHeader: string | undefined,
  header: (name: string) => string | undefined,
  peer: string | undefined,
): string {
  if (trustedHeader) {
    const raw = header(trustedHeader);
    if (raw) {
      const parts = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      const last = parts[parts.length - 1];
      if (last) return last.slice(0, 64);
    }
  }
  return peer || "unknown";
}
