/**
 * Knot DNS as a benchmark contender: one zone from an RFC 1035 master file
 * on 127.0.0.1, everything in the run's temp directory, foreground, one UDP
 * and one TCP worker (as NSD's `server-count: 1`), no rate limiting (Knot has
 * none unless the `mod-rrl` module is configured), pinned to core 0.
 * Optionally signed on the fly by `mod-onlinesign` with its default policy:
 * ECDSA P-256 (algorithm 13), single-type signing (one CSK), black lies.
 *
 * @module
 */

import { type Server, spawnServer } from "./processes.ts";
import { run } from "./proc_stats.ts";

/** Where Debian installs knotd (`apt-get install -y knot`). */
export const KNOTD_BIN = "/usr/sbin/knotd";
const KNOTC_BIN = "/usr/sbin/knotc";

/** knotd's version line. */
export function knotVersion(): string {
  return run(KNOTD_BIN, ["--version"]).out.split("\n")[0].trim();
}

/**
 * Writes `<dir>/<sub>/knot.conf` serving `zone` from `<dir>/<zone>.zone` on
 * `127.0.0.1:port` (with `mod-onlinesign` when `onlineSign`), checks it with
 * `knotc conf-check` and starts `knotd` under `taskset -c 0`. Each call gets
 * its own storage and key directory `sub`, so a signed and an unsigned Knot
 * never share state.
 */
export function startKnot(
  dir: string,
  sub: string,
  port: number,
  zone: string,
  onlineSign: boolean,
): Server {
  const home = `${dir}/${sub}`;
  Deno.mkdirSync(home, { recursive: true });
  const conf = `server:
    rundir: "${home}"
    listen: 127.0.0.1@${port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "${home}"
zone:
  - domain: ${zone}
    file: "${dir}/${zone}.zone"
    journal-content: none
    zonefile-sync: -1
${onlineSign ? "    module: mod-onlinesign\n" : ""}`;
  Deno.writeTextFileSync(`${home}/knot.conf`, conf);
  const chk = run(KNOTC_BIN, ["-c", `${home}/knot.conf`, "conf-check"]);
  if (chk.code !== 0) throw new Error(`knotc conf-check: ${chk.out}`);
  return spawnServer(
    onlineSign ? "knot-signed" : "knot",
    "taskset",
    ["-c", "0", KNOTD_BIN, "-c", `${home}/knot.conf`],
    { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  );
}
