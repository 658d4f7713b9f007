/**
 * Three udp-nodes with distinct operator keys and zones, heartbeat on, each
 * seeding the next (A seeds B, B seeds C), resolving peers through each
 * other's DNS ports: the setup of the discovery suites (brief §4.4).
 *
 * @module
 */

import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import { publicKeyFromSeed } from "../../packages/core/dmp/ed25519_keys.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  NodeStartError,
  startNodeProcess,
} from "./node_process.ts";

/** Node names of the mesh, in seeding order. */
export const MESH_NAMES = ["a", "b", "c"] as const;

/** One mesh member. */
export type MeshName = (typeof MESH_NAMES)[number];

/** A running mesh. */
export interface HeartbeatMesh {
  zone(n: MeshName): string;
  nodes: Record<MeshName, NodeProcess>;
  /** operator key (hex) of each node */
  spk: Record<MeshName, string>;
  dbs: Record<MeshName, Awaited<ReturnType<typeof freshDatabase>>>;
  /** stops every node; returns their exit codes */
  stop(): Promise<number[]>;
}

/**
 * Starts the mesh; zones are `<name>.<suffix>`. Extra env goes to every node.
 * The DNS ports are picked before any node starts (each node's resolver list
 * names all three), so when one was taken in between (EADDRINUSE) the nodes
 * started so far are stopped and the mesh starts again on fresh ports.
 */
export async function startHeartbeatMesh(
  options: { zoneSuffix: string; env?: Record<string, string> },
): Promise<HeartbeatMesh> {
  for (let attempt = 1;; attempt++) {
    const started: NodeProcess[] = [];
    try {
      return await startMeshOnce(options, started);
    } catch (e) {
      for (const n of started) await n.stop("SIGKILL");
      if (!(e instanceof NodeStartError && e.portInUse !== undefined) || attempt >= 3) throw e;
    }
  }
}

async function startMeshOnce(
  options: { zoneSuffix: string; env?: Record<string, string> },
  started: NodeProcess[],
): Promise<HeartbeatMesh> {
  const zone = (n: MeshName) => `${n}.${options.zoneSuffix}`;
  const ports = {} as Record<MeshName, number>;
  for (const n of MESH_NAMES) ports[n] = await freePort();
  const resolvers = MESH_NAMES.map((n) => `127.0.0.1:${ports[n]}`).join(",");
  const seeds: Record<MeshName, string> = { a: zone("b"), b: zone("c"), c: "" };
  const nodes = {} as Record<MeshName, NodeProcess>;
  const spk = {} as Record<MeshName, string>;
  const dbs = {} as HeartbeatMesh["dbs"];
  for (const n of MESH_NAMES) {
    dbs[n] = await freshDatabase();
    await upsertZone(
      dbs[n].client,
      { name: zone(n), apexNs: [`ns1.${zone(n)}`] },
      Date.now() / 1000,
    );
    const seed = crypto.getRandomValues(new Uint8Array(32));
    spk[n] = bytesToHex(await publicKeyFromSeed(seed));
    await Deno.writeTextFile(`${dbs[n].dir}/operator.key`, bytesToHex(seed));
    nodes[n] = await startNodeProcess({
      dbUrl: dbs[n].url,
      dir: dbs[n].dir,
      env: {
        DMP_DNS_PORT: String(ports[n]),
        DMP_HEARTBEAT_ENABLED: "1",
        DMP_HEARTBEAT_SELF_ENDPOINT: `https://node-${n}.example`,
        DMP_HEARTBEAT_OPERATOR_KEY_PATH: `${dbs[n].dir}/operator.key`,
        DMP_HEARTBEAT_INTERVAL_SECONDS: "1",
        DMP_HEARTBEAT_SEEDS: seeds[n],
        DMP_HEARTBEAT_DNS_RESOLVERS: resolvers,
        DMP_DNS_UPDATE_ENABLED: "1",
        ...options.env,
      },
    });
    started.push(nodes[n]);
  }
  return {
    zone,
    nodes,
    spk,
    dbs,
    async stop() {
      const codes: number[] = [];
      for (const n of MESH_NAMES) {
        codes.push(await nodes[n].stop());
        dbs[n].client.close();
      }
      return codes;
    },
  };
}
