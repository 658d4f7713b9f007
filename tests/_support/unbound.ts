/**
 * A validating `unbound` on 127.0.0.1 for tests: stub zones pointing at our
 * nodes and one trust anchor, in the foreground as the test user, killed by
 * {@linkcode UnboundProcess.stop} (and after `lifetimeMs` whatever happens).
 */
import { freePort, waitFor } from "./node_process.ts";
import { run } from "./dig.ts";

/** A running unbound. */
export interface UnboundProcess {
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts unbound with `anchor` (a DNSKEY RR in presentation form) and
 * `stubs` (zone → port on 127.0.0.1); resolves once it answers.
 */
export async function startUnbound(options: {
  anchor: string;
  stubs: Record<string, number>;
  lifetimeMs?: number;
}): Promise<UnboundProcess> {
  if ((await run("sh", ["-c", "command -v unbound"])).code !== 0) {
    throw new Error("unbound is not installed: apt-get install unbound");
  }
  const dir = await Deno.makeTempDir({ prefix: "dmp-unbound-" });
  const port = await freePort();
  const stubs = Object.entries(options.stubs).map(([zone, p]) =>
    `stub-zone:\n  name: "${zone}"\n  stub-addr: 127.0.0.1@${p}\n`
  ).join("");
  await Deno.writeTextFile(
    `${dir}/unbound.conf`,
    `server:
  interface: 127.0.0.1
  port: ${port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  do-ip6: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "validator iterator"
  qname-minimisation: no
  target-fetch-policy: "0 0 0 0 0"
  # .test is a special-use name unbound answers itself unless told not to (RFC 6761).
  local-zone: "test." nodefault
  trust-anchor: "${options.anchor}"
${stubs}remote-control:
  control-enable: no
`,
  );
  const child = new Deno.Command("unbound", {
    args: ["-d", "-c", `${dir}/unbound.conf`],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let logs = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) logs += dec.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const killer = setTimeout(() => stop(), options.lifetimeMs ?? 120_000);
  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    clearTimeout(killer);
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await pumps;
  }
  const up = await waitFor(() => logs.includes("start of service"), 10_000);
  if (!up) {
    await stop();
    throw new Error(`unbound did not start:\n${logs}`);
  }
  return { port, logs: () => logs, stop };
}
