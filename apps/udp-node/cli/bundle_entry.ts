/**
 * Entry of the production bundle of the `dmp` CLI (`dist/dmp.mjs`, built by
 * `npm run build` with esbuild): the same CLI as `bin/dmp.mjs`, already
 * compiled, so a udp-node runs without a TypeScript loader in its process.
 * The bundle is also the node's storage worker (one file to deploy): started
 * as that worker, it serves storage requests and runs no CLI.
 *
 * @module
 */

import process from "node:process";
import { setStorageWorkerEntry } from "../storage/storage_client.ts";
import { serveIfWorker } from "../storage/storage_worker.ts";

if (!serveIfWorker()) {
  setStorageWorkerEntry(new URL(import.meta.url));
  const { runCli } = await import("./main.ts");
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
