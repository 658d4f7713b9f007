/**
 * Entry of the production bundle of the `dmp` CLI (`dist/dmp.mjs`, built by
 * `npm run build` with esbuild): the same CLI as `bin/dmp.mjs`, already
 * compiled, so a udp-node runs without a TypeScript loader in its process.
 *
 * @module
 */

import process from "node:process";
import { runCli } from "./main.ts";

process.exitCode = await runCli(process.argv.slice(2), process.env);
