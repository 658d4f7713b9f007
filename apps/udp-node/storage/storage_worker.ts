/**
 * The storage worker (issue 15 item 1): the one thread of a udp-node that
 * calls libSQL. libSQL's native calls (statements, transactions, the replica's
 * `sync()`, a writer waiting on SQLite's busy timeout) are synchronous; here
 * they block this worker's event loop and never the thread answering DNS.
 * The DNS thread talks to it only through {@linkcode ./storage_client.ts}.
 *
 * Hosted by `node:worker_threads` (its `parentPort`) or by a Deno/Web
 * `Worker` (`self`): the module serves whichever port it finds, one request
 * at a time in arrival order, so writes keep the order the DNS thread sent
 * them in.
 *
 * @module
 */

import { setPriority } from "node:os";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import type { SqlClient, SqlResult } from "../../../packages/core/store/sql_client.ts";
import { type DbHandle, openDatabase } from "../db_client.ts";
import { JournalFollower } from "../zone_index/follow_journal.ts";
import { PatchRecorder, patchTransferables } from "../zone_index/index_patch.ts";
import { openRawReader } from "./raw_rows.ts";
import { queryLogAppendStatements } from "../../../packages/core/store/query_log.ts";
import { tsigLastUsedStatement } from "../../../packages/core/store/tsig_keys.ts";
import {
  STORAGE_WORKER_NAME,
  type StorageProgress,
  type StorageReply,
  type StorageRequest,
  type WireError,
  type WireResult,
} from "./storage_protocol.ts";

/** The two ends a worker host offers: receive requests, post replies. */
export interface StoragePort {
  onRequest(handler: (request: StorageRequest) => void): void;
  /** `transfer`: buffers the reply hands over instead of copying (zone images) */
  reply(reply: StorageReply | StorageProgress, transfer?: ArrayBuffer[]): void;
}

/** Serves storage requests on `port` until "close". */
export function serveStorage(port: StoragePort): void {
  let db: DbHandle | undefined;
  // The journal follower lives here, beside the database; the DNS thread gets its patches.
  const recorder = new PatchRecorder();
  let follower: JournalFollower | undefined;
  let queue = Promise.resolve();
  port.onRequest((request) => {
    // One at a time: a group commit's batch must not overtake the read that follows it.
    queue = queue.then(async () => {
      try {
        const value = await run(request);
        // Zone images move to the DNS thread: copying 100k records' bytes would double them.
        const transfer = value !== null && "patches" in value && value.patches
          ? patchTransferables(value.patches)
          : undefined;
        port.reply({ id: request.id, ok: true, value }, transfer);
      } catch (e) {
        port.reply({ id: request.id, ok: false, error: wireError(e) });
      }
    });
  });

  async function run(request: StorageRequest) {
    if (request.op === "open") {
      if (db) throw new Error("storage is already open");
      db = await openDatabase(request.config);
      follower = new JournalFollower(db.client, recorder, () => {
        recorder.keysChanged();
        return Promise.resolve();
      });
      return {
        kind: db.kind,
        url: db.url,
        replicaExisted: db.replicaExisted,
        writerTransport: db.writerTransport,
      };
    }
    if (!db) throw new Error("storage is not open");
    switch (request.op) {
      case "execute":
        return wireResult(await pick(db, request.target).execute(request.stmt));
      case "batch":
        return (await pick(db, request.target).batch(request.stmts, request.mode)).map(wireResult);
      case "load_index": {
        // The bulk read goes through a raw read-only connection when the database is local.
        const raw = db.kind === "remote" ? undefined : openRawReader(db.url);
        const progress = (n: number) => port.reply({ id: request.id, progress: n });
        try {
          await follower!.loadAll(request.now, request.progress ? progress : undefined, raw?.rows);
        } finally {
          raw?.close();
        }
        return { patches: recorder.take(), seq: follower!.seq, applied: 0 };
      }
      case "follower_state":
        return { seq: follower!.seq, zones: recorder.zoneNames() };
      case "catch_up": {
        let applied;
        try {
          // The primary's own rows only for a replica (elsewhere the node's database is it).
          const from = request.primary && db.kind === "replica" ? db.writer : undefined;
          applied = await follower!.catchUp(request.now, from);
        } catch (e) {
          // Pages applied before the failure are in the recorder (and in `seq`): discarding
          // them would leave the DNS thread's index behind the follower for good.
          const patches = recorder.take();
          if (patches.length === 0) throw e;
          return { patches, seq: follower!.seq, applied: 0 };
        }
        return { patches: recorder.take(), seq: follower!.seq, applied };
      }
      case "sync":
        if (db.kind === "replica") await db.client.sync!();
        return null;
      case "query_log_append":
        await db.writer.batch(
          queryLogAppendStatements(request.node, request.samples, request.keep),
          "write",
        );
        return null;
      case "tsig_last_used":
        await db.writer.batch(
          request.uses.map((u) => tsigLastUsedStatement(u.name, u.ts)),
          "write",
        );
        return null;
      case "resume":
        recorder.knowZones(request.zones);
        follower!.resumeAt(request.seq);
        return null;
      case "crash":
        // Outside the request's promise chain: an uncaught error ends the worker for real.
        setTimeout(() => {
          throw new Error("storage worker crash requested (test)");
        });
        return null;
      case "close":
        db.client.close();
        if (db.writer !== db.client) (db.writer as { close?: () => void }).close?.();
        db = undefined;
        follower = undefined;
        return null;
    }
  }
}

function pick(db: DbHandle, target: "reader" | "writer"): SqlClient {
  return target === "writer" ? db.writer : db.client;
}

/** A libSQL result as plain arrays (a Row's values are also reachable by index). */
function wireResult(r: SqlResult & { columns?: string[] }): WireResult {
  const columns = r.columns ?? (r.rows.length > 0 ? Object.keys(r.rows[0]) : []);
  const rows: unknown[][] = new Array(r.rows.length);
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i];
    rows[i] = columns.map((c) => row[c]);
  }
  return { columns, rows, rowsAffected: r.rowsAffected, lastInsertRowid: r.lastInsertRowid };
}

function wireError(e: unknown): WireError {
  const err = e as { name?: unknown; message?: unknown; code?: unknown; statementIndex?: unknown };
  return {
    name: typeof err?.name === "string" ? err.name : "Error",
    message: String(err?.message ?? e),
    code: typeof err?.code === "string" ? err.code : undefined,
    statementIndex: typeof err?.statementIndex === "number" ? err.statementIndex : undefined,
  };
}

/** The port of the host that started this module as the storage worker, else undefined. */
function hostPort(): StoragePort | undefined {
  const data = workerData as { name?: unknown } | null | undefined;
  if (!isMainThread && parentPort && data?.name === STORAGE_WORKER_NAME) {
    const p = parentPort;
    return {
      onRequest: (h) => p.on("message", h),
      reply: (r, transfer) => p.postMessage(r, transfer ?? []),
    };
  }
  // A Deno/Web Worker: its global scope is the port.
  const scope = globalThis as unknown as {
    name?: unknown;
    postMessage?(m: unknown, transfer?: ArrayBuffer[]): void;
    addEventListener(t: "message", h: (e: { data: StorageRequest }) => void): void;
  };
  if (scope.name !== STORAGE_WORKER_NAME || typeof scope.postMessage !== "function") {
    return undefined;
  }
  return {
    onRequest: (h) => scope.addEventListener("message", (e) => h(e.data)),
    reply: (r, transfer) => scope.postMessage!(r, transfer ?? []),
  };
}

/**
 * The nice value of this thread: storage work yields the CPU to the DNS thread when both want
 * it (a one-core host, or a node pinned to one core), so queries keep their latency during a
 * burst of writes; with a core to spare it changes nothing.
 */
export const STORAGE_WORKER_NICE = 10;

/**
 * Sets {@linkcode STORAGE_WORKER_NICE} on the calling thread: on Linux a nice value belongs to
 * a thread, and `setpriority(PRIO_PROCESS, 0, …)` (what `os.setPriority(n)` calls) changes the
 * calling one only (setpriority(2), NOTES). Lowering one's own priority needs no privilege; a
 * runtime without it keeps the default.
 */
function lowerThreadPriority(): void {
  try {
    setPriority(STORAGE_WORKER_NICE);
  } catch {
    // Not supported here: the worker runs at the process's priority, as before.
  }
}

// Serve when this module runs as the storage worker; imported on the DNS thread (as tests do), it
// does nothing.
const workerPort = hostPort();
if (workerPort) {
  lowerThreadPriority();
  serveStorage(workerPort);
}
