/**
 * A validating Knot Resolver (`kresd`) on 127.0.0.1 for tests: queries for
 * the given zones are forwarded to our nodes, one trust anchor, a cache in a
 * temp dir, in the foreground as the test user (no systemd), killed by
 * {@linkcode KresdProcess.stop} (and after `lifetimeMs` whatever happens).
 *
 * `policy.FORWARD`, not `policy.STUB`: "answers from upstream servers are
 * locally DNSSEC-validated, unless policy.STUB() is used" (Knot Resolver 5,
 * config-network-forwarding), so a STUB target's answers never get AD.
 * FORWARD sends the request and all its sub-requests (DS, DNSKEY) to the
 * one upstream; an authoritative node answers a forwarded (RD=1) query for
 * its zone as any other.
 */
import { freePort, waitFor } from "./node_process.ts";
import { dig, run } from "./dig.ts";
import { stopChild } from "./stop_child.ts";

/** A running kresd. */
export interface KresdProcess {
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts kresd with `anchor` (a DNSKEY RR in presentation form) and
 * `forwards` (zone → port on 127.0.0.1); resolves once it answers.
 */
export async function startKresd(options: {
  anchor: string;
  forwards: Record<string, number>;
  lifetimeMs?: number;
}): Promise<KresdProcess> {
  if ((await run("sh", ["-c", "command -v kresd"])).code !== 0) {
    throw new Error("kresd is not installed: apt-get install knot-resolver");
  }
  const dir = await Deno.makeTempDir({ prefix: "dmp-kresd-" });
  const port = await freePort();
  // Policies match in order: the most specific zone first (a child before its parent).
  const zones = Object.entries(options.forwards).sort(([a], [b]) =>
    b.split(".").length - a.split(".").length
  );
  const rules = zones.map(([zone, p]) =>
    `policy.add(policy.suffix(policy.FORWARD({'127.0.0.1@${p}'}), {todname('${zone}.')}))\n`
  ).join("");
  await Deno.writeTextFile(
    `${dir}/kresd.conf`,
    `net.listen('127.0.0.1', ${port}, { kind = 'dns' })
net.ipv6 = false
cache.open(10 * MB, 'lmdb://${dir}/cache')
-- Only our anchor: no root key, so nothing is looked up outside the test zones.
trust_anchors.remove('.')
trust_anchors.add('${options.anchor}')
log_level('info')
${rules}policy.add(policy.all(policy.REFUSE))
`,
  );
  const child = new Deno.Command("kresd", {
    args: ["-n", "-c", `${dir}/kresd.conf`, dir],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let logs = "";
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) logs += dec.decode(chunk);
  };
  const collecting = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const killer = setTimeout(() => stop(), options.lifetimeMs ?? 120_000);
  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    clearTimeout(killer);
    await stopChild(child, { status, collecting, exited });
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const zone = zones[zones.length - 1]?.[0] ?? ".";
  const up = await waitFor(
    async () => exited || (await dig(port, zone, "SOA", ["+rec"])).status !== "NONE",
    15_000,
  );
  if (!up || exited) {
    await stop();
    throw new Error(`kresd did not start:\n${logs}`);
  }
  return { port, logs: () => logs, stop };
}
