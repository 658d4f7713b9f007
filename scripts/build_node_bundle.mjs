// `npm run build`: compiles the `dmp` CLI (udp-node included) into one ES module,
// dist/dmp.mjs, for production, and the udp-node's storage worker into another beside it,
// dist/storage_worker.mjs (STORAGE_WORKER_BUNDLE). Running them needs no TypeScript loader:
// tsx's loader thread costs a udp-node ~30 MiB of RSS and a second of start-up
// (bench/README.md). The worker has a file of its own because an ES module loads every package
// it imports: as the CLI bundle it loaded zod, hono and the rest, 877 KB of source, into a
// thread that needs only libSQL (50 KB). npm packages stay external (resolved from
// node_modules at run time).
//   node scripts/build_node_bundle.mjs [--outfile=PATH]
import { build } from "esbuild";
import { dirname, join } from "node:path";
import process from "node:process";

const root = new URL("../", import.meta.url).pathname;
const outArg = process.argv.find((a) => a.startsWith("--outfile="));
const outfile = outArg ? outArg.slice("--outfile=".length) : `${root}dist/dmp.mjs`;
/** The worker's file name beside the CLI bundle (bundle_entry.ts points the node at it). */
const STORAGE_WORKER_BUNDLE = "storage_worker.mjs";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  legalComments: "none",
};
const workerFile = join(dirname(outfile), STORAGE_WORKER_BUNDLE);
await build({
  ...common,
  entryPoints: [`${root}apps/udp-node/storage/storage_worker.ts`],
  outfile: workerFile,
});
await build({
  ...common,
  entryPoints: [`${root}apps/udp-node/cli/bundle_entry.ts`],
  outfile,
  define: { STORAGE_WORKER_BUNDLE: JSON.stringify(STORAGE_WORKER_BUNDLE) },
});
process.stdout.write(`built ${outfile} and ${workerFile}\n`);
