/**
 * Shared pieces of the directory tests: operator keys, signed heartbeat
 * wires, and the edge carriers (Node and Deno processes on a `file:`
 * database, workerd through Miniflare on sqld) with a way to run the crawl
 * now (the Workers cron trigger; processes crawl on their own interval).
 *
 * @module
 */

import { Miniflare } from "miniflare";
import { signHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { publicKeyFromSeed } from "../../packages/core/dmp/ed25519_keys.ts";
import { bytesToHex } from "../../packages/core/dmp/hex.ts";
import { buildWorkerBundle, startProcess } from "../_support/edge_process.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";

/** An operator key pair. */
export interface Operator {
  seed: Uint8Array;
  spkHex: string;
}

/** A fresh random operator. */
export async function newOperator(): Promise<Operator> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { seed, spkHex: bytesToHex(await publicKeyFromSeed(seed)) };
}

/** Signs a heartbeat; `ts` defaults to now, `exp` to ts + 1 day. */
export async function heartbeatWire(
  op: Operator,
  fields: { endpoint: string; zone: string; ts?: number; exp?: number; version?: string },
): Promise<string> {
  const ts = fields.ts ?? Math.floor(Date.now() / 1000);
  return await signHeartbeatWire({
    endpoint: fields.endpoint,
    version: fields.version ?? "dmp-edge-test",
    capabilities: 1,
    claimProviderZone: fields.zone,
    ts,
    exp: fields.exp ?? ts + 86400,
  }, op.seed);
}

/** Flips one base64 character near the end (inside the signature). */
export function forge(wire: string): string {
  const i = wire.length - 8;
  return wire.slice(0, i) + (wire[i] === "A" ? "B" : "A") + wire.slice(i + 1);
}

/** Where the edge runs. */
export type Carrier = "node+file" | "deno+file" | "workerd+sqld";

/** Every carrier the directory suites run on. */
export const CARRIERS: readonly Carrier[] = ["node+file", "deno+file", "workerd+sqld"];

/** A running edge. */
export interface DirectoryEdge {
  carrier: Carrier;
  url: string;
  /** Runs the Workers cron trigger once (processes crawl on their own interval). */
  crawlNow(): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

let sqld: SqldProcess | undefined;

/** The shared sqld of this test process (started on first use). */
export async function sharedSqld(): Promise<SqldProcess> {
  sqld ??= await startSqld();
  return sqld;
}

/** Stops the shared sqld, if started. */
export async function stopSharedSqld(): Promise<void> {
  if (sqld) {
    sqld.client.close();
    await sqld.stop();
    sqld = undefined;
  }
}

/**
 * Starts an edge on `carrier` with `env` (plus a store of its own kind).
 *
 * @param carrier where to run
 * @param env DMP_* variables
 * @returns the running edge
 */
export async function startDirectoryEdge(
  carrier: Carrier,
  env: Record<string, string>,
): Promise<DirectoryEdge> {
  if (carrier === "workerd+sqld") {
    const db = await sharedSqld();
    const dir = await buildWorkerBundle();
    const mf = new Miniflare({
      modules: true,
      scriptPath: `${dir}/worker.mjs`,
      modulesRoot: dir,
      compatibilityDate: "2025-01-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: { DMP_DB_URL: db.url, ...env },
    });
    const url = String(await mf.ready).replace(/\/$/, "");
    // Miniflare types the worker as a Fetcher from @cloudflare/workers-types, which we do not
    // install; `scheduled()` is the part of it used here.
    const worker = await mf.getWorker() as unknown as {
      scheduled(options: { cron: string }): Promise<unknown>;
    };
    return {
      carrier,
      url,
      async crawlNow() {
        await worker.scheduled({ cron: "*/5 * * * *" });
      },
      logs: () => "(workerd logs go to the test's stdout)",
      stop: () => mf.dispose(),
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "dmp-dir-edge-" });
  const p = await startProcess(carrier === "node+file" ? "node" : "deno", {
    DMP_DB_URL: `file:${dir}/dmp.db`,
    ...env,
  });
  return {
    carrier,
    url: p.url,
    crawlNow: () => Promise.resolve(),
    logs: p.logs,
    stop: p.stop,
  };
}
