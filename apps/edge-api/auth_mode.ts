/**
 * Auth modes and the start-up rules that depend on them (brief §1.1, §1.5).
 *
 * @module
 */

import { type Config, ConfigError, operatorToken } from "../../packages/core/config/env.ts";
import { parseIpv4 } from "../../packages/core/values/ipv4.ts";
import { canonicalIpv6 } from "../../packages/core/values/ipv6.ts";

/** open / legacy / multi-tenant (brief §1.5). */
export type AuthMode = "open" | "legacy" | "multi-tenant";

/**
 * `DMP_AUTH_MODE` if set, else `open` without an operator token, else `legacy` (brief §1.5).
 *
 * @param c the config
 * @returns the effective mode
 *
 * @example
 * ```ts
 * import { authMode } from "./auth_mode.ts";
 * import { loadConfig } from "../../packages/core/config/env.ts";
 * if (authMode(loadConfig({ DMP_OPERATOR_TOKEN: "t" })) !== "legacy") throw new Error();
 * ```
 */
export function authMode(c: Config): AuthMode {
  return c.DMP_AUTH_MODE ?? (operatorToken(c) ? "legacy" : "open");
}

/**
 * True for a loopback bind: `localhost` or a loopback IP literal. `""`, `"0"`,
 * `0.0.0.0`, `::`, host names and public IPs are public (brief §1.1).
 *
 * @param host the HTTP bind host
 * @returns whether binding there exposes the API only locally
 *
 * @example
 * ```ts
 * import { isLoopbackBind } from "./auth_mode.ts";
 * if (!isLoopbackBind("127.0.0.1") || isLoopbackBind("0.0.0.0") || isLoopbackBind("")) throw new Error();
 * ```
 */
export function isLoopbackBind(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  // The core address parsers (issue 10): 127/8 (RFC 1122 §3.2.1.3) and ::1 (RFC 4291 §2.5.3).
  return parseIpv4(h)?.[0] === 127 || canonicalIpv6(h) === "::1";
}

/**
 * Throws when open mode would listen publicly without `DMP_ALLOW_OPEN_PUBLIC_BIND`
 * (brief §1.1). Workers pass `undefined`: they are always public.
 *
 * @param c the config
 * @param host the bind host, or undefined for a platform without a bind (always public)
 *
 * @example
 * ```ts
 * import { assertBindAllowed } from "./auth_mode.ts";
 * import { loadConfig } from "../../packages/core/config/env.ts";
 * assertBindAllowed(loadConfig({}), "127.0.0.1");
 * ```
 */
export function assertBindAllowed(c: Config, host: string | undefined): void {
  if (authMode(c) !== "open" || c.DMP_ALLOW_OPEN_PUBLIC_BIND) return;
  if (host !== undefined && isLoopbackBind(host)) return;
  throw new ConfigError(
    `Cannot start: auth mode is open (no DMP_OPERATOR_TOKEN) on public bind ${
      JSON.stringify(host ?? "workers")
    }; set DMP_OPERATOR_TOKEN, bind DMP_HTTP_HOST to loopback, or set DMP_ALLOW_OPEN_PUBLIC_BIND=1`,
  );
}
