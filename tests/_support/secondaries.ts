/**
 * Real secondary name servers from Debian packages (Knot, NSD, BIND), run
 * unprivileged on 127.0.0.1 in a temp dir as TSIG (hmac-sha256) secondaries
 * of a node: they transfer from it and accept its NOTIFY. Each launcher
 * waits until the server answers on its port and stops it with bounded waits.
 *
 * @module
 */

import { freePort } from "./node_process.ts";
import { stopChild } from "./stop_child.ts";

/** Which server to run. */
export type SecondaryKind = "knot" | "nsd" | "bind";

/** How the secondary is set up. */
export interface SecondaryOptions {
  zone: string;
  primaryPort: number;
  /** TSIG key the secondary signs its transfer requests with (and accepts NOTIFY with) */
  key: { name: string; secret: string };
  /** port to listen on (free when omitted); a node's NOTIFY target must know it beforehand */
  port?: number;
  /**
   * Knot only: `dnssec-validation: on`, so Knot checks every signature and the NSEC chain of
   * each transfer and refuses a zone that fails
   */
  dnssecValidation?: boolean;
}

/** A running secondary. */
export interface Secondary {
  kind: SecondaryKind;
  port: number;
  dir: string;
  logs(): Promise<string>;
  /** stops the server and removes its directory (read `logs()` before) */
  stop(): Promise<void>;
}

/** Starts a secondary of `kind`; resolves once it listens. */
export async function startSecondary(
  kind: SecondaryKind,
  o: SecondaryOptions,
): Promise<Secondary> {
  const dir = await Deno.makeTempDir({ prefix: `dmp-${kind}-` });
  const port = o.port ?? await freePort();
  let cmd: string;
  let args: string[];
  const logFile = `${dir}/server.log`;
  if (kind === "knot") {
    await Deno.writeTextFile(`${dir}/knot.conf`, knotConf(dir, port, o));
    cmd = "knotd";
    args = ["-c", `${dir}/knot.conf`];
  } else if (kind === "nsd") {
    await Deno.writeTextFile(`${dir}/nsd.conf`, nsdConf(dir, port, o));
    cmd = "nsd";
    args = ["-d", "-c", `${dir}/nsd.conf`];
  } else {
    await Deno.writeTextFile(`${dir}/named.conf`, namedConf(dir, port, o));
    cmd = "named";
    args = ["-g", "-c", `${dir}/named.conf`];
  }
  const child = new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    cwd: dir,
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) output += dec.decode(chunk);
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const logs = async () => {
    let file = "";
    try {
      file = await Deno.readTextFile(logFile);
    } catch { /* not every server writes a file */ }
    return output + file;
  };
  const stop = async () => {
    await stopChild(child, { status, collecting, exited });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) {
      await collecting;
      throw new Error(`${kind} exited at start:\n${await logs()}`);
    }
    if (Date.now() > deadline) {
      const text = await logs();
      await stop();
      throw new Error(`${kind} did not start listening:\n${text}`);
    }
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { kind, port, dir, logs, stop };
}

function knotConf(dir: string, port: number, o: SecondaryOptions): string {
  return `server:
    rundir: "${dir}"
    listen: 127.0.0.1@${port}
log:
  - target: stderr
    any: info
database:
    storage: "${dir}"
key:
  - id: ${o.key.name}
    algorithm: hmac-sha256
    secret: ${o.key.secret}
remote:
  - id: primary
    address: 127.0.0.1@${o.primaryPort}
    key: ${o.key.name}
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: ${o.key.name}
    action: notify
template:
  - id: default
    storage: "${dir}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
zone:
  - domain: ${o.zone}
    master: primary
    acl: notify_from_primary
${o.dnssecValidation ? "    dnssec-validation: on\n" : ""}`;
}

function nsdConf(dir: string, port: number, o: SecondaryOptions): string {
  return `server:
    ip-address: 127.0.0.1@${port}
    port: ${port}
    username: ""
    chroot: ""
    zonesdir: "${dir}"
    database: ""
    zonelistfile: "${dir}/zone.list"
    xfrdfile: "${dir}/xfrd.state"
    xfrdir: "${dir}"
    pidfile: "${dir}/nsd.pid"
    logfile: "${dir}/server.log"
    verbosity: 2
    server-count: 1
    tcp-count: 10
    do-ip6: no
remote-control:
    control-enable: no
key:
    name: "${o.key.name}"
    algorithm: hmac-sha256
    secret: "${o.key.secret}"
zone:
    name: "${o.zone}"
    zonefile: "${dir}/${o.zone}.zone"
    allow-notify: 127.0.0.1 ${o.key.name}
    request-xfr: 127.0.0.1@${o.primaryPort} ${o.key.name}
`;
}

function namedConf(dir: string, port: number, o: SecondaryOptions): string {
  return `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    listen-on port ${port} { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
    allow-new-zones no;
};
controls { };
key "${o.key.name}" {
    algorithm hmac-sha256;
    secret "${o.key.secret}";
};
logging {
    channel all { file "${dir}/server.log"; severity info; print-time yes; print-category yes; };
    category default { all; };
    category xfer-in { all; };
    category notify { all; };
};
zone "${o.zone}" {
    type secondary;
    file "${dir}/${o.zone}.db";
    primaries port ${o.primaryPort} { 127.0.0.1 key "${o.key.name}"; };
    allow-notify { key "${o.key.name}"; };
};
`;
}
