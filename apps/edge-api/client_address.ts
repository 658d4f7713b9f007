/**
 * The edge's client address for per-IP limits and audit rows: the rule of
 * `packages/core/http/client_address.ts` applied to a Hono request.
 *
 * @module
 */

import type { Context } from "hono";
import { clientAddressOf } from "../../packages/core/http/client_address.ts";
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
  return clientAddressOf(
    deps.config.DMP_TRUSTED_PROXY_HEADER,
    (name) => c.req.header(name),
    deps.peerAddress?.(c),
  );
}
