/**
 * The name a node writes its observations under (issue 14: its stats rows and
 * the query log's `node` column, so the dashboard shows one name per node):
 * DMP_NODE_STATS_NAME when set, else `<host>:<dns port>`, the host being
 * DMP_NODE_HOSTNAME or the machine's host name, reduced to letters, digits and
 * `._@-` and cut to 57 characters. The port is part of it because one machine
 * may run several nodes (`npm start -- --sqld` runs two) that share a host
 * name.
 *
 * @module
 */

import { hostname } from "node:os";
import type { Config } from "../../packages/core/config/env.ts";

/**
 * This node's name.
 *
 * @param config the node's config
 * @param dnsPort the DNS port it bound
 * @returns DMP_NODE_STATS_NAME, else `host:port`
 */
export function nodeName(config: Config, dnsPort: number): string {
  if (config.DMP_NODE_STATS_NAME) return config.DMP_NODE_STATS_NAME;
  const host = (config.DMP_NODE_HOSTNAME ?? hostname()).replace(/[^A-Za-z0-9._@-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "").slice(0, 57) || "node";
  return `${host}:${dnsPort}`;
}
