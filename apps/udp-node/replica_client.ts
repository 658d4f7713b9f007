/**
 * An embedded replica that survives its primary being away. libSQL's synced
 * client handshakes with the primary when it opens, so after a crash with the
 * primary down it cannot open at all. This wrapper then reads the replica file
 * directly (read-only: writes are refused, so nothing diverges from the
 * primary) and retries the synced open on every `sync()`, switching over as
 * soon as the primary answers.
 *
 * @module
 */

import { type Client, createClient } from "@libsql/client";
import type { SqlClient, SqlResult, SqlStatement } from "../../packages/core/store/sql_client.ts";

/** Bound on the reachability probe before each native sync. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * How long a synced open's handshake with the primary stands in for the probe: the first sync of
 * a replica just opened skips it. The probe's fetch is the worker's first, which loads Node's
 * HTTP client and compiles its parser (WebAssembly): 0.2 s of a new replica's start on one core
 * (issue 15, start-up).
 */
const HANDSHAKE_FRESH_MS = 2000;

const READ_ONLY_SQL = /^\s*(SELECT|WITH|PRAGMA|EXPLAIN)\b/i;

/** A replica client: synced when the primary is reachable, read-only on the file otherwise. */
export class ReplicaClient implements SqlClient {
  #url: string;
  #syncUrl: string;
  #authToken: string | undefined;
  #synced: Client | undefined;
  #local: Client | undefined;
  /** when `open` opened the synced client (its handshake answered), until the first sync */
  #handshakeAt: number | undefined;

  private constructor(url: string, syncUrl: string, authToken: string | undefined) {
    this.#url = url;
    this.#syncUrl = syncUrl;
    this.#authToken = authToken;
  }

  /** Opens the replica; with `fileExists`, falls back to read-only when the primary is away. */
  static open(
    options: { url: string; syncUrl: string; authToken?: string; fileExists: boolean },
  ): ReplicaClient {
    const c = new ReplicaClient(options.url, options.syncUrl, options.authToken);
    try {
      c.#synced = c.#openSynced();
      c.#handshakeAt = Date.now();
    } catch (e) {
      if (!options.fileExists) throw e;
      c.#local = createClient({ url: options.url });
    }
    return c;
  }

  /** True while serving the replica file without the primary. */
  get degraded(): boolean {
    return this.#synced === undefined;
  }

  #openSynced(): Client {
    return createClient({ url: this.#url, syncUrl: this.#syncUrl, authToken: this.#authToken });
  }

  execute(stmt: SqlStatement | string): Promise<SqlResult> {
    if (this.#synced) return this.#synced.execute(stmt);
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    if (!READ_ONLY_SQL.test(sql)) {
      return Promise.reject(new Error("primary unreachable: the replica is read-only"));
    }
    return this.#local!.execute(stmt);
  }

  batch(stmts: SqlStatement[], mode: "write" | "read" | "deferred"): Promise<SqlResult[]> {
    if (this.#synced) return this.#synced.batch(stmts, mode);
    if (mode !== "read" || stmts.some((s) => !READ_ONLY_SQL.test(s.sql))) {
      return Promise.reject(new Error("primary unreachable: the replica is read-only"));
    }
    return this.#local!.batch(stmts, mode);
  }

  /**
   * Pulls from the primary; while degraded, first tries to reopen the synced client. libSQL's
   * native sync is synchronous and, with the primary away, retries its connection while the
   * event loop (and every query) waits; so the primary is probed first over async HTTP, with
   * a short timeout, and the native call only runs when something answered.
   */
  async sync(): Promise<void> {
    const handshakeAt = this.#handshakeAt;
    this.#handshakeAt = undefined;
    if (handshakeAt === undefined || Date.now() - handshakeAt > HANDSHAKE_FRESH_MS) {
      await this.#probePrimary();
    }
    if (!this.#synced) {
      this.#synced = this.#openSynced();
      this.#local?.close();
      this.#local = undefined;
    }
    await this.#synced.sync();
  }

  async #probePrimary(): Promise<void> {
    try {
      const r = await fetch(new URL("/health", this.#syncUrl.replace(/^libsql:/, "https:")), {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        headers: this.#authToken ? { authorization: `Bearer ${this.#authToken}` } : {},
      });
      await r.body?.cancel();
    } catch (e) {
      throw new Error(`primary unreachable: ${(e as Error).message ?? e}`);
    }
  }

  close(): void {
    this.#synced?.close();
    this.#local?.close();
  }
}
