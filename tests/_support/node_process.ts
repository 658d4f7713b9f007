/**
 * Starts real udp-node processes (Node + tsx, or Deno) on 127.0.0.1 with a
 * fresh database directory, waits until they answer DNS, and stops them.
 *
 * @module
 */

import dgram from "node:dgram";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { prepareFileDatabase } from "../../packages/core/store/file_database.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { stopChild } from "./stop_child.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A running node process. */
export interface NodeProcess {
  dnsPort: number;
  httpPort: number;
  dir: string;
  dbUrl: string;
  logs(): string;
  stop(signal?: Deno.Signal): Promise<number>;
  child: Deno.ChildProcess;
}

/** Picks a port free on both TCP and UDP by binding port 0 on TCP, then the same on UDP. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const u = dgram.createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      u.once("error", () => resolve(false));
      u.bind(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((r) => u.close(() => r()));
    if (ok) return port;
  }
  throw new Error("Cannot find a free port");
}

/** Creates a temp dir with a migrated `file:` database; returns its client too. */
export async function freshDatabase(): Promise<
  { dir: string; url: string; client: SqlClient & { close(): void } }
> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-test-" });
  const url = `file:${dir}/dmp.db`;
  const client = createClient({ url });
  await prepareFileDatabase(client);
  await migrate(client);
  return { dir, url, client };
}

/** Attempts at start-up when a port picked by {@linkcode freePort} was taken in between. */
const PORT_ATTEMPTS = 5;

/** Why a start-up failed, with the node's output. */
export class NodeStartError extends Error {
  /** the port the node reported already in use (EADDRINUSE), if any */
  readonly portInUse: number | undefined;
  /**
   * @param message what happened
   * @param logs the node's output
   */
  constructor(message: string, logs: string) {
    super(`${message}:\n${logs}`);
    this.name = "NodeStartError";
    const m = /cannot listen for [^\n]*? on \S+:(\d+): [^\n]*EADDRINUSE/.exec(logs);
    this.portInUse = m ? Number(m[1]) : undefined;
  }
}

/**
 * Starts a node; `env` overrides defaults. Resolves once it logs "DMP node
 * up", fails with its output if it exits or is not up within 20 s (and is
 * then killed, so the wait is bounded). {@linkcode freePort} closes its probe
 * sockets before the node binds, so another process may take the port in
 * between: when the node reports EADDRINUSE on ports picked here, it is
 * started again on fresh ones (a port given in `env` is never changed).
 */
export async function startNodeProcess(
  options: {
    env?: Record<string, string>;
    dbUrl?: string;
    dir?: string;
    runtime?: "node" | "deno";
    /** with runtime "node": the CLI module to run (default bin/dmp.mjs, the sources via tsx) */
    entry?: string;
    /** with runtime "node": Node flags before the module (the systemd unit's, for benchmarks) */
    nodeFlags?: readonly string[];
  } = {},
): Promise<NodeProcess> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "dmp-node-" });
  const fixed = [options.env?.DMP_DNS_PORT, options.env?.DMP_NODE_HTTP_PORT].map(Number);
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(options, dir);
    } catch (e) {
      const port = e instanceof NodeStartError ? e.portInUse : undefined;
      // Only a port picked here can be picked again; a caller's port stays a failure.
      if (port === undefined || fixed.includes(port) || attempt >= PORT_ATTEMPTS) throw e;
    }
  }
}

async function startOnce(
  options: Parameters<typeof startNodeProcess>[0] & object,
  dir: string,
): Promise<NodeProcess> {
  const dbUrl = options.dbUrl ?? `file:${dir}/dmp.db`;
  const dnsPort = options.env?.DMP_DNS_PORT ? Number(options.env.DMP_DNS_PORT) : await freePort();
  const httpPort = options.env?.DMP_NODE_HTTP_PORT
    ? Number(options.env.DMP_NODE_HTTP_PORT)
    : await freePort();
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    DMP_DB_URL: dbUrl,
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: String(dnsPort),
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_NODE_HTTP_PORT: String(httpPort),
    DMP_DB_SYNC_INTERVAL: "0.2",
    DMP_LOG_LEVEL: "DEBUG",
    // Tests query from one loopback address: per-source limits and response rate limiting
    // are off unless a test turns them on (tests/dns/rate_limit.test.ts, rrl.test.ts).
    DMP_DNS_RATE: "0",
    DMP_DNS_RRL_RATE: "0",
    ...options.env,
  };
  const runtime = options.runtime ?? "node";
  const cmd = runtime === "node" ? "node" : `${ROOT}node_modules/.bin/deno`;
  const args = runtime === "node"
    ? [...(options.nodeFlags ?? []), options.entry ?? `${ROOT}bin/dmp.mjs`, "node"]
    : ["run", "-A", "--unstable-net", `${ROOT}bin/dmp_deno.ts`, "node"];
  const child = new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  })
    .spawn();
  let logText = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) logText += dec.decode(chunk);
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const status = child.status;
  let exited = false;
  status.then(() => exited = true);
  const deadline = Date.now() + 20000;
  while (!/DMP node up/.test(logText)) {
    // A node that cannot bind says so and exits 1 (ListenError): fail at once.
    const portInUse = /EADDRINUSE/.test(logText);
    if (exited || portInUse || Date.now() > deadline) {
      const why = exited
        ? "node exited before it was up"
        : portInUse
        ? "node cannot bind a port (killed)"
        : "node not up within 20 s (killed)";
      // Kill first: the output streams only end when the process does, so
      // awaiting them on a live node would hang instead of failing.
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
      await status;
      await collecting;
      throw new NodeStartError(why, logText);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dnsPort,
    httpPort,
    dir,
    dbUrl,
    child,
    logs: () => logText,
    async stop(signal: Deno.Signal = "SIGTERM") {
      const s = await stopChild(child, { status, collecting, exited, signal });
      return s.code;
    },
  };
}

/**
 * Runs an ES module's source in a fresh process of `runtime` from the repository root, so
 * `./apps/…` imports resolve: its exit code and output. On Node, TypeScript imports go through
 * tsx (the node's runtime); on Deno, through `deno eval` (this test runner's own binary). A fresh
 * process has a heap of its own: what a test measures there is not shared with other tests.
 */
export async function runModuleUnder(
  runtime: "node" | "deno",
  source: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, args] = runtime === "node"
    ? ["node", ["--import", "tsx", "--input-type=module", "-e", source]]
    : [Deno.execPath(), ["eval", "--ext=ts", source]];
  const out = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Polls `check` until it returns true or the timeout passes (no fixed sleeps). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Options for {@linkcode startNodeProcess} that make the node an embedded
 * replica of `primary` (sqld) with its replica file in `dir`; `env` adds to
 * or overrides the sync settings.
 */
export function replicaNodeOptions(
  primary: { url: string; token?: string },
  dir: string,
  env: Record<string, string> = {},
): { dbUrl: string; dir: string; env: Record<string, string> } {
  return {
    dbUrl: `file:${dir}/replica.db`,
    dir,
    env: {
      DMP_DB_SYNC_URL: primary.url,
      ...(primary.token ? { DMP_DB_AUTH_TOKEN: primary.token } : {}),
      ...env,
    },
  };
}
