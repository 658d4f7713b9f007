/**
 * `dmp start` (`npm start`): the local stack on one embedded libSQL file
 * (`.data/dmp.db`): a demo zone and an operator token on first start, the
 * udp-node on 127.0.0.1:5353 and the edge API beside it, then the commands
 * to try. Ctrl-C stops everything cleanly.
 *
 * @module
 */

import process from "node:process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, unknownDmpVariables } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { migrate } from "../../../packages/core/store/migrate.ts";
import { applyRecordChanges } from "../../../packages/core/store/records.ts";
import { readZone, upsertZone } from "../../../packages/core/store/zones.ts";
import { openDatabase } from "../db_client.ts";
import { startNode } from "../main.ts";

const DEMO_ZONE = "demo.dmp.test";

/** Runs the local stack until SIGINT/SIGTERM. */
export async function cmdStart(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`dmp start — the local stack on an embedded libSQL file (.data/dmp.db)

Environment variables override the local defaults (DMP_DNS_PORT=5353, DMP_NODE_HTTP_PORT=8054, ...).
`);
    return 0;
  }
  const dataDir = resolve(env.DMP_DATA_DIR ?? ".data");
  mkdirSync(dataDir, { recursive: true });
  const merged: Record<string, string | undefined> = {
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: "5353",
    DMP_NODE_HTTP_HOST: "127.0.0.1",
    DMP_HTTP_HOST: "127.0.0.1",
    DMP_DB_URL: `file:${dataDir}/dmp.db`,
    DMP_DNS_UPDATE_ENABLED: "1",
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
  const node = await startNode(config, logger.child("node"));
  const p = node.dnsPort;
  process.stdout.write(`
dmp-edge local stack is up (database ${dataDir}/dmp.db). Try:

  dig @127.0.0.1 -p ${p} hello.${DEMO_ZONE} TXT
  dig @127.0.0.1 -p ${p} ${DEMO_ZONE} SOA
  dig @127.0.0.1 -p ${p} nothing.${DEMO_ZONE} TXT      # NXDOMAIN with the zone SOA
  curl http://127.0.0.1:${node.httpPort}/metrics

Ctrl-C stops the stack.
`);
  await new Promise<void>((r) => {
    process.once("SIGINT", () => r());
    process.once("SIGTERM", () => r());
  });
  await node.stop();
  return 0;
}
