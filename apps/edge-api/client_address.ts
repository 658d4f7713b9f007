/**
 * The client address used for per-IP limits and audit rows (brief §8.4 #18).
 * The trusted proxy header is honoured only when `DMP_TRUSTED_PROXY_HEADER`
 * names it; otherwise the transport peer is used and client-supplied headers
 * are ignored. For `x-forwarded-for` the last entry is taken: the one our
 * (single, trusted) proxy appended, which a client cannot forge.
 *
 * @module
 */

import type { Context } from "hono";
import type { AppDeps } from "./app_deps.ts";

/**
 * The client address of a request.
 *
 * @param c the request context
 * @param deps config and the adapter's peer-address function
 * @returns an address, or "unknown"
 */
export function clientAddress(
  c: Context,
  deps: Pick<AppDeps, "config" | "peerAddress">,
): string {
  const header = deps.config.DMP_TRUSTED_PROXY_HEADER;
  if (header) {
    const raw = c.req.header(header);
    if (raw) {
      const parts = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      const last = parts[parts.length - 1];
      if (last) return last.slice(0, 64);
    }
  }
  return deps.peerAddress?.(c) ?? "unknown";
}
