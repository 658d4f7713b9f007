/**
 * The DNS thread's side of the storage worker (issue 15 item 1): a
 * {@linkcode StorageClient} starts {@linkcode ./storage_worker.ts} in a worker
 * thread, opens the database there, and offers the store's `SqlClient`
 * interface over messages: {@linkcode StorageClient.reader} for the node's own
 * database (file, replica or remote), {@linkcode StorageClient.writer} for the
 * primary, {@linkcode StorageClient.sync} for the replica pull. Nothing on the
 * DNS thread calls libSQL, so a long transaction, a busy wait on another
 * process's lock or a replica sync never holds up a query.
 *
 * @module
 */

import { rm } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Worker as NodeWorker } from "node:worker_threads";
import type { Config } from "../../../packages/core/config/env.ts";
import type {
  SqlClient,
  SqlResult,
  SqlStatement,
} from "../../../packages/core/store/sql_client.ts";
import type { QueryLogSample } from "../../../packages/core/store/query_log.ts";
import {
  type FollowerState,
  type IndexPatches,
  STORAGE_WORKER_NAME,
  type StorageOpened,
  type StorageProgress,
  type StorageReply,
  type StorageRequest,
  type StorageTarget,
  type WireError,
  type WireResult,
} from "./storage_protocol.ts";

/** Requests without their `id` (the client numbers them). */
type Body<R = StorageRequest> = R extends unknown ? Omit<R, "id"> : never;

/** The worker module to start; the production bundle points it at itself. */
let workerEntry = new URL("./storage_worker.ts", import.meta.url);

/**
 * Sets the module the storage worker runs (the production bundle's compiled worker, beside
 * the CLI bundle: apps/udp-node/cli/bundle_entry.ts).
 */
export function setStorageWorkerEntry(url: URL): void {
  workerEntry = url;
}

/** The minimal surface of either worker host. */
interface WorkerHandle {
  post(request: StorageRequest): void;
  terminate(): Promise<void>;
}

/**
 * Restarting a worker that died (issue 15): the DNS thread goes on answering from memory
 * meanwhile; the new worker opens the database again and follows the journal from where the
 * DNS thread's index is, so the next catch-up sends only what changed.
 */
export interface StorageRestart {
  /** where the DNS thread's index is: its journal sequence and zones (the new worker resumes there) */
  position(): { seq: number; zones: string[] };
  /** a new worker is open and resumed: resync now */
  onRestarted(): void;
  /** a restart failed; the next try is in `retryMs` */
  onRestartFailed?(e: Error, retryMs: number): void;
  /** backoff between tries: the first delay, doubling up to the last (default 1 s, 30 s) */
  backoffMs?: [number, number];
}

/** A worker up this long before it dies counts as healthy: the backoff starts over. */
const HEALTHY_UPTIME_MS = 60_000;

/** A database opened in the storage worker. */
export class StorageClient {
  #worker: WorkerHandle | undefined;
  #pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void; progress?(n: number): void }
  >();
  #nextId = 1;
  #dead: Error | undefined;
  #opened: StorageOpened = { kind: "file", url: "" };
  #config: Config | undefined;
  #onCrash: ((e: Error) => void) | undefined;
  /** the first load is done and its worker not yet replaced ({@linkcode renewWorker}) */
  #loaded = false;
  /** a worker replacement under way (#recycle): requests wait for it */
  #recycling: Promise<void> | undefined;
  #restart: StorageRestart | undefined;
  /** bumped per worker started: events of an older worker are ignored */
  #generation = 0;
  #startedAt = 0;
  #failures = 0;
  #restarting = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;

  /** The node's own database: reads, and writes when it is the primary. */
  readonly reader: SqlClient = this.#sqlClient("reader");
  /** The primary, for writes (the same database unless the node is a replica). */
  readonly writer: SqlClient = this.#sqlClient("writer");

  private constructor() {}

  /**
   * Starts the worker and opens the database the config names in it. `onCrash` hears of a
   * worker that stops by itself (a native crash, out of memory): every storage call fails from
   * then on, while the DNS thread goes on answering from memory.
   */
  static async open(
    config: Config,
    options: { onCrash?: (e: Error) => void; restart?: StorageRestart } = {},
  ): Promise<StorageClient> {
    const client = new StorageClient();
    client.#config = config;
    client.#onCrash = options.onCrash;
    try {
      await client.#startWorker();
    } catch (e) {
      await client.#worker?.terminate();
      throw e;
    }
    // Only once open: a worker that dies during start-up fails the start instead.
    client.#restart = options.restart;
    return client;
  }

  /** Starts a worker and opens the database in it (a new generation). */
  async #startWorker(): Promise<void> {
    const gen = ++this.#generation;
    const entry = await runnableEntry();
    try {
      this.#worker = startWorker(
        entry.url,
        (r) => gen === this.#generation && this.#settle(r),
        (e) => gen === this.#generation && this.#crashed(e),
      );
      this.#startedAt = Date.now();
      this.#opened = await this.#post({ op: "open", config: this.#config! }) as StorageOpened;
    } finally {
      // Loaded by now (or never will be).
      await entry.cleanup();
    }
  }

  /**
   * Replaces the worker with a fresh one that goes on from the index the
   * old one loaded. A full load grows the worker's V8 heap to a multiple of
   * the zone (row objects, records, their strings) and V8 keeps a grown heap
   * for the life of the isolate: ~150 MiB resident for 100k records, more
   * than the whole index on the DNS thread. A new isolate starts small. The
   * old worker closes its database before the new one opens it, so a
   * replica file never has two handles.
   */
  async #recycle(): Promise<void> {
    try {
      // The follower's position as it is now: catch-ups since the load moved it.
      const state = await this.#post({ op: "follower_state" }) as FollowerState;
      await this.#post({ op: "close" });
      const old = this.#worker!;
      this.#worker = undefined;
      // The old worker's exit is no crash: its events belong to a past generation.
      this.#generation++;
      await old.terminate();
      await this.#startWorker();
      await this.#post({ op: "resume", ...state });
    } catch (e) {
      // As a crash: the restart (if configured) resumes from the DNS thread's index.
      this.#crashed(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      this.#recycling = undefined;
    }
  }

  /** The worker stopped by itself: fail what waits, tell, and restart it with backoff. */
  #crashed(e: Error): void {
    const first = !this.#dead;
    this.#die(e);
    // A Deno Worker that reported an error may still run: end it before starting another.
    this.#worker?.terminate().catch(() => {});
    if (!first || this.#closing) return;
    this.#onCrash?.(e);
    if (!this.#restart || this.#restarting) return;
    if (Date.now() - this.#startedAt >= HEALTHY_UPTIME_MS) this.#failures = 0;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const [first, last] = this.#restart!.backoffMs ?? [1000, 30_000];
    const delay = Math.min(first * 2 ** this.#failures, last);
    this.#failures++;
    this.#restartTimer = setTimeout(() => this.#restartNow(), delay);
  }

  async #restartNow(): Promise<void> {
    if (this.#closing) return;
    this.#restarting = true;
    try {
      this.#dead = undefined;
      await this.#startWorker();
      await this.#post({ op: "resume", ...this.#restart!.position() });
      this.#restarting = false;
      if (this.#closing) {
        // close() ran meanwhile and found no worker to stop: stop this one.
        this.#die(new Error("storage is closed"));
        await this.#worker?.terminate();
        return;
      }
      this.#restart!.onRestarted();
    } catch (e) {
      this.#restarting = false;
      this.#die(e as Error);
      await this.#worker?.terminate().catch(() => {});
      if (this.#closing) return;
      this.#scheduleRestart();
      const [first, last] = this.#restart!.backoffMs ?? [1000, 30_000];
      this.#restart!.onRestartFailed?.(
        e as Error,
        Math.min(first * 2 ** (this.#failures - 1), last),
      );
    }
  }

  /**
   * Tests only: makes the worker throw an uncaught error, the way a native fault ends it.
   * Resolves once the worker has the request: its death may overtake its reply (Deno delivers a
   * worker's errors and messages apart), which then fails the request with the crash.
   */
  crashWorkerForTest(): Promise<void> {
    return this.#call({ op: "crash" }).then(() => undefined, () => undefined);
  }

  /** Whether the worker is up (false between a crash and its restart). */
  get alive(): boolean {
    return !this.#dead && !this.#restarting;
  }

  /** How the database was opened. */
  get kind(): StorageOpened["kind"] {
    return this.#opened.kind;
  }

  /** The database URL (may carry a token: redact it before logging). */
  get url(): string {
    return this.#opened.url;
  }

  /** For replicas: whether the replica file existed before this start. */
  get replicaExisted(): boolean | undefined {
    return this.#opened.replicaExisted;
  }

  /** For replicas: how writes reach the primary (`primary_writer.ts`). */
  get writerTransport(): StorageOpened["writerTransport"] {
    return this.#opened.writerTransport;
  }

  /** Pulls the replica from its primary (a no-op on other kinds). */
  async sync(): Promise<void> {
    await this.#call({ op: "sync" });
  }

  /**
   * The first full load of the zone index, as patches (read in the worker); `onProgress`
   * gets the records read so far while it runs.
   */
  async loadIndex(now: number, onProgress?: (records: number) => void): Promise<IndexPatches> {
    const loaded = await this.#call(
      { op: "load_index", now, progress: onProgress !== undefined },
      onProgress,
    ) as IndexPatches;
    this.#loaded = true;
    return loaded;
  }

  /**
   * Replaces the worker that did the first load with a fresh one (see
   * #recycle: it gives back the heap the load grew). Called once the node
   * answers, so on a one-core host the new worker's start does not delay
   * the first answer; requests made meanwhile wait for it.
   */
  async renewWorker(): Promise<void> {
    if (!this.#loaded || this.#dead || this.#restarting) return;
    this.#loaded = false;
    const recycling = this.#recycling = this.#recycle();
    await recycling;
  }

  /**
   * The journal entries since the last load or catch-up, as index patches; with `primary`, read
   * from a replica's primary (only what that fast path takes: `JournalFollower.catchUp`).
   */
  catchUp(now: number, primary = false): Promise<IndexPatches> {
    return this.#call({ op: "catch_up", now, ...(primary ? { primary } : {}) }) as Promise<
      IndexPatches
    >;
  }

  /** Appends query log samples for `node` and prunes its rows to the newest `keep` (one write). */
  async appendQueryLog(node: string, samples: QueryLogSample[], keep: number): Promise<void> {
    await this.#call({ op: "query_log_append", node, samples, keep });
  }

  /** Records TSIG keys' last successful verification (one write). */
  async recordTsigLastUsed(uses: { name: string; ts: number }[]): Promise<void> {
    await this.#call({ op: "tsig_last_used", uses });
  }

  /** Closes the database and stops the worker. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    await this.#recycling?.catch(() => {});
    try {
      if (!this.#dead && !this.#restarting) await this.#call({ op: "close" });
    } finally {
      this.#die(new Error("storage is closed"));
      await this.#worker?.terminate();
    }
  }

  #sqlClient(target: StorageTarget): SqlClient {
    return {
      execute: async (stmt: SqlStatement | string) =>
        sqlResult(
          await this.#call({
            op: "execute",
            target,
            stmt: typeof stmt === "string" ? { sql: stmt } : stmt,
          }) as WireResult,
        ),
      batch: async (stmts: SqlStatement[], mode: "write" | "read" | "deferred") =>
        (await this.#call({ op: "batch", target, stmts, mode }) as WireResult[]).map(sqlResult),
    };
  }

  #call(body: Body, progress?: (n: number) => void): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    // While a restart opens the new worker, the node's calls wait for no one: they fail.
    if (this.#restarting) return Promise.reject(new Error("storage worker is restarting"));
    const recycling = this.#recycling;
    if (recycling) return recycling.then(() => this.#post(body, progress));
    return this.#post(body, progress);
  }

  /** Sends a request to the current worker (a restart's or #recycle's own requests bypass `#call`). */
  #post(body: Body, progress?: (n: number) => void): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, progress });
      this.#worker!.post({ ...body, id } as StorageRequest);
    });
  }

  #settle(reply: StorageReply | StorageProgress): void {
    const p = this.#pending.get(reply.id);
    if (!p) return;
    if ("progress" in reply) {
      p.progress?.(reply.progress);
      return;
    }
    this.#pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(storeError(reply.error));
  }

  /** The worker is gone: every waiting and later request fails with `e`. */
  #die(e: Error): void {
    this.#dead ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

let builds = 0;

/**
 * The worker module in a form this runtime runs as it is. Deno and the production bundle run
 * `workerEntry` itself. Node from the sources (bin/dmp.mjs registers tsx) cannot: a loader
 * registered on the main thread does not reach worker threads, and a second tsx in the worker
 * costs its own loader thread (~1.5 s of start-up here, ~30 MiB). esbuild, the compiler tsx
 * itself uses, builds the worker into one file in ~0.1 s instead, under node_modules/.cache so
 * its npm imports resolve; the file is deleted once the worker has loaded it.
 */
async function runnableEntry(): Promise<{ url: URL; cleanup(): Promise<void> }> {
  const none = { url: workerEntry, cleanup: () => Promise.resolve() };
  if ("Deno" in globalThis || !workerEntry.pathname.endsWith(".ts")) return none;
  const { build } = await import("esbuild");
  const url = new URL(
    `../../../node_modules/.cache/dmp/storage_worker-${process.pid}-${++builds}.mjs`,
    import.meta.url,
  );
  await build({
    entryPoints: [fileURLToPath(workerEntry)],
    outfile: fileURLToPath(url),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return { url, cleanup: () => rm(url, { force: true }) };
}

/** Starts the worker on this runtime: a Deno Worker on Deno, a worker_thread on Node. */
function startWorker(
  entry: URL,
  onReply: (r: StorageReply | StorageProgress) => void,
  onDeath: (e: Error) => void,
): WorkerHandle {
  const died = (why: string) => onDeath(new Error(`storage worker ${why}`));
  if ("Deno" in globalThis) {
    const w = new Worker(entry.href, { type: "module", name: STORAGE_WORKER_NAME });
    w.onmessage = (e: MessageEvent<StorageReply | StorageProgress>) => onReply(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      died(`failed: ${e.message}`);
    };
    return {
      post: (r) => w.postMessage(r),
      terminate: () => Promise.resolve(w.terminate()),
    };
  }
  const w = new NodeWorker(entry, { workerData: { name: STORAGE_WORKER_NAME } });
  w.on("message", onReply);
  w.on("error", (e: Error) => died(`failed: ${e.message}`));
  w.on("exit", (code) => died(`exited (${code})`));
  return {
    post: (r) => w.postMessage(r),
    terminate: async () => {
      await w.terminate();
    },
  };
}

/** A result in the shape libSQL's rows have: values by column name. */
function sqlResult(r: WireResult): SqlResult {
  const rows: Record<string, unknown>[] = new Array(r.rows.length);
  const n = r.columns.length;
  for (let i = 0; i < r.rows.length; i++) {
    const values = r.rows[i];
    const row: Record<string, unknown> = {};
    for (let c = 0; c < n; c++) row[r.columns[c]] = values[c];
    rows[i] = row;
  }
  return { rows, rowsAffected: r.rowsAffected, lastInsertRowid: r.lastInsertRowid };
}

/** The worker's error, with what the store's classifiers read (message, code, statement index). */
function storeError(e: WireError): Error {
  const err = new Error(e.message) as Error & { code?: string; statementIndex?: number };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.statementIndex !== undefined) err.statementIndex = e.statementIndex;
  return err;
}
