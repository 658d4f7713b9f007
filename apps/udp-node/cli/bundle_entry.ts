/**
 * Entry of the production bundle of the `dmp` CLI (`dist/dmp.mjs`, built by
 * `npm run build` with esbuild): the same CLI as `bin/dmp.mjs`, already
 * compiled, so a udp-node runs without a TypeScript loader in its process.
 * The node's storage worker is compiled into its own file beside it (the
 * worker then loads libSQL, not every package the CLI uses).
 *
 * @module
 */

import process from "node:process";
import { setStorageWorkerEntry } from "../storage/storage_client.ts";

/** The worker bundle's file name, set by scripts/build_node_bundle.mjs (esbuild `define`). */
declare const STORAGE_WORKER_BUNDLE: string;

setStorageWorkerEntry(new URL(`./${STORAGE_WORKER_BUNDLE}`, import.meta.url));
const { runCli } = await import("./main.ts");
process.exitCode = await runCli(process.argv.slice(2), process.env);
