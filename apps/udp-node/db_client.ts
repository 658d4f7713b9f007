/**
 * Opens the libSQL client the node reads and writes through, from config:
 * an embedded `file:` database, an embedded replica (`file:` + DMP_DB_SYNC_URL
 * + DMP_DB_AUTH_TOKEN; writes are forwarded to the primary), or a remote
 * `http(s)://` / `libsql://` primary.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { createClient } from "@libsql/client";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { ReplicaClient } from "./replica_client.ts";
import { primaryFetch } from "./primary_fetch.ts";
import { openPrimaryWriter } from "./primary_writer.ts";
import type { Config } from "../../packages/core/config/env.ts";
import { prepareFileDatabase } from "../../packages/core/store/file_database.ts";
import { databaseUrl } from "./database_url.ts";

/** The client and what kind of connection it is. */
export interface DbHandle {
  client: SqlClient & { close(): void; sync?(): Promise<unknown> };
  kind: "file" | "replica" | "remote";
  url: string;
  /** the primary, for writes: an async client of the sync URL for replicas, else `client` itself */
  writer: SqlClient;
  /** for replicas: how `writer` reaches the primary (`primary_writer.ts`) */
  writerTransport?: "websocket" | "http";
  /** for replicas: whether the replica file existed before this start */
  replicaExisted?: boolean;
}

/** Opens the database described by the config; `file:` databases get WAL and a busy timeout. */
export async function openDatabase(c: Config): Promise<DbHandle> {
  const url = databaseUrl(c);
  if (c.DMP_DB_SYNC_URL) {
    if (!url.startsWith("file:")) {
      throw new Error(
        "Cannot open replica: DMP_DB_SYNC_URL needs a file: DMP_DB_URL/DMP_DB_PATH for the replica",
      );
    }
    const replicaExisted = existsSync(url.slice("file:".length).split("?")[0]);
    const client = ReplicaClient.open({
      url,
      syncUrl: c.DMP_DB_SYNC_URL,
      authToken: c.DMP_DB_AUTH_TOKEN,
      fileExists: replicaExisted,
    });
    const writer = await openPrimaryWriter(c.DMP_DB_SYNC_URL, c.DMP_DB_AUTH_TOKEN);
    return {
      client,
      kind: "replica",
      url,
      replicaExisted,
      writer: writer.client,
      writerTransport: writer.transport,
    };
  }
  const client = createClient({ url, authToken: c.DMP_DB_AUTH_TOKEN, fetch: primaryFetch(url) });
  const kind = url.startsWith("file:") ? "file" : "remote";
  if (kind === "file") await prepareFileDatabase(client);
  return { client, kind, url, writer: client };
}
