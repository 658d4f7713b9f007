/**
 * NSD as a benchmark contender: its configuration for one zone on
 * 127.0.0.1, everything in the run's temp directory, foreground, one server
 * process, response rate limiting off, pinned to core 0.
 *
 * @module
 */

import { type Server, spawnServer } from "./processes.ts";
import { run } from "./proc_stats.ts";

/** Where Debian installs NSD. */
export const NSD_BIN = "/usr/sbin/nsd";

/** NSD's version line. */
export function nsdVersion(): string {
  return run(NSD_BIN, ["-v"]).out.split("\n")[0].trim();
}

/**
 * Writes `<dir>/nsd.conf` serving `zone` from `<dir>/<zone>.zone` on
 * `127.0.0.1:port`, checks it with nsd-checkconf and starts `nsd -d` under
 * `taskset -c 0`. `zone` adds lines to that clause; `top` adds clauses (a
 * `key:`); `minimalResponses` sets NSD's `minimal-responses: yes` (no NS and
 * glue added to positive answers, as the node answers), which the query-rate
 * comparison uses so both servers send the same sections.
 */
export function startNsd(
  dir: string,
  port: number,
  zone: string,
  extra: { top?: string; zone?: string; minimalResponses?: boolean } = {},
): Server {
  const conf = `server:
  ip-address: 127.0.0.1
  port: ${port}
  do-ip4: yes
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  database: ""
  zonelistfile: "${dir}/nsd.zonelist"
  xfrdfile: "${dir}/nsd.xfrd.state"
  xfrdir: "${dir}"
  logfile: "${dir}/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  refuse-any: no
  minimal-responses: ${extra.minimalResponses ? "yes" : "no"}
  # Response rate limiting off (our node runs with DMP_DNS_RATE=0 DMP_DNS_RRL_RATE=0); NSD's default
  # rrl-ratelimit 200 would drop most of dnsperf's traffic from 127.0.0.1.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
${extra.top ?? ""}zone:
  name: ${zone}
  zonefile: "${dir}/${zone}.zone"
${extra.zone ?? ""}`;
  Deno.writeTextFileSync(`${dir}/nsd.conf`, conf);
  const chk = run("/usr/sbin/nsd-checkconf", [`${dir}/nsd.conf`]);
  if (chk.code !== 0) throw new Error(`nsd-checkconf: ${chk.out}`);
  return spawnServer("nsd", "taskset", ["-c", "0", NSD_BIN, "-d", "-c", `${dir}/nsd.conf`], {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  });
}
