/**
 * The carriers every edge case runs through (issue 4; Hono's
 * `runtime-tests/`): Deno, Node and workerd against one real sqld, and Deno
 * and Node against an embedded `file:` database. Cases use their own client
 * addresses (through the trusted proxy header) and their own names, so
 * carriers can share a store.
 *
 * @module
 */

import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { type EdgeProcess, type EdgeRuntime, startEdge } from "../_support/edge_process.ts";

/** The operator token of every test edge. */
export const OPERATOR_TOKEN = "operator-secret-token-for-tests";
/** Served zone and node host name. */
export const ZONE = "mesh.test.example";
export const NODE = "node.test.example";
/** Key sealing DMP_TSIG_SECRET_KEY shared by every runtime (and the udp-node). */
export const TSIG_SECRET_KEY = "3f".repeat(32);

/** The environment of every test edge: multi-tenant with registration and UPDATE on. */
export const BASE_ENV: Record<string, string> = {
  DMP_AUTH_MODE: "multi-tenant",
  DMP_OPERATOR_TOKEN: OPERATOR_TOKEN,
  DMP_REGISTRATION_ENABLED: "1",
  DMP_NODE_HOSTNAME: NODE,
  DMP_DOMAIN: ZONE,
  DMP_DNS_UPDATE_ENABLED: "1",
  DMP_TSIG_SECRET_KEY: TSIG_SECRET_KEY,
  DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
  DMP_REGISTRATION_ALLOWLIST: `${ZONE},example.org`,
  DMP_HTTP_RATE: "0.01",
  DMP_HTTP_BURST: "30",
  DMP_MAX_VALUES_PER_NAME: "4",
  DMP_LOG_LEVEL: "ERROR",
};

/** One carrier: a runtime on a store. */
export interface Target {
  label: string;
  runtime: EdgeRuntime;
  store: "sqld" | "file";
}

/** Every carrier. */
export const TARGETS: readonly Target[] = [
  { label: "Deno + sqld", runtime: "deno", store: "sqld" },
  { label: "Node + sqld", runtime: "node", store: "sqld" },
  { label: "workerd + sqld", runtime: "workerd", store: "sqld" },
  { label: "Deno + file", runtime: "deno", store: "file" },
  { label: "Node + file", runtime: "node", store: "file" },
];

let ipCounter = 0;
const ipBase = Math.floor(Math.random() * 200);

/** A client address no other case uses (per-IP buckets stay independent). */
export function nextIp(): string {
  ipCounter++;
  return `10.${ipBase}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** A short random label. */
export function uniq(): string {
  return Math.random().toString(36).slice(2, 9);
}

/** What a case gets. */
export interface CaseContext {
  base: string;
  target: Target;
  /** the other running edges on the same store (cross-isolate cases) */
  peers: EdgeProcess[];
}

/** One HTTP case. */
export interface EdgeCase {
  name: string;
  /**
   * A cross-isolate case: it runs only on carriers that have another runtime
   * on the same store (the 2nd and 3rd sqld carriers), and is not registered
   * on the others, instead of returning early there and counting as a pass.
   */
  needsPeers?: boolean;
  run(ctx: CaseContext): Promise<void>;
}

/** Shared sqld per test module, started lazily. */
let sqld: SqldProcess | undefined;

/**
 * Registers one Deno test per carrier that runs every case as a step.
 *
 * @param suite test-name prefix
 * @param cases the case list
 */
export function runOnAllTargets(suite: string, cases: readonly EdgeCase[]): void {
  // Cross-isolate cases need a carrier with a peer on the same store.
  if (TARGETS.filter((t) => t.store === "sqld").length < 2 && cases.some((c) => c.needsPeers)) {
    throw new Error("Cannot run cross-isolate cases: fewer than two sqld carriers");
  }
  const running: EdgeProcess[] = [];
  for (const target of TARGETS) {
    Deno.test({
      name: `${suite} on ${target.label}`,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async (t) => {
        let dir: string | undefined;
        let dbUrl: string;
        if (target.store === "sqld") {
          sqld ??= await startSqld();
          dbUrl = sqld.url;
        } else {
          dir = await Deno.makeTempDir({ prefix: "dmp-edge-file-" });
          dbUrl = `file:${dir}/dmp.db`;
        }
        const edge = await startEdge({
          runtime: target.runtime,
          env: { ...BASE_ENV, DMP_DB_URL: dbUrl },
        });
        if (target.store === "sqld") running.push(edge);
        try {
          const peers = target.store === "sqld" ? running.filter((e) => e !== edge) : [];
          for (const c of cases) {
            if (c.needsPeers && peers.length === 0) continue;
            const ok = await t.step(c.name, () => c.run({ base: edge.url, target, peers }));
            // deno-lint-ignore no-console
            if (!ok && edge.runtime !== "workerd") console.error(edge.logs().slice(-3000));
          }
        } finally {
          if (target.store === "file") {
            await edge.stop();
            await Deno.remove(dir!, { recursive: true }).catch(() => {});
          }
        }
      },
    });
  }
  // Teardown is a hook, not a test: it must not count as a pass.
  Deno.test.afterAll(async () => {
    for (const e of running.splice(0)) await e.stop();
    await sqld?.stop();
    sqld = undefined;
  });
}

/** fetch with the operator token. */
export function asOperator(init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers ?? {}), authorization: `Bearer ${OPERATOR_TOKEN}` },
  };
}

/** JSON POST init. */
export function jsonInit(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
