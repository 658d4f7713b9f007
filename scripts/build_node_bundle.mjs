// `npm run build`: compiles the `dmp` CLI (udp-node included) into ES modules, the entry
// dist/dmp.mjs and its chunks in dist/chunks/, for production, and the udp-node's storage
// worker into one module beside them,
// dist/storage_worker.mjs (STORAGE_WORKER_BUNDLE). Running them needs no TypeScript loader:
// tsx's loader thread costs a udp-node ~30 MiB of RSS and a second of start-up
// (bench/README.md). The worker has a file of its own because an ES module loads every package
// it imports: as the CLI bundle it loaded zod, hono and the rest, 877 KB of source, into a
// thread that needs only libSQL (50 KB). npm packages are compiled in too, their licence
// comments kept at the end of each file: Node resolving and loading them file by file took 88 ms
// of the worker's start (37 ms compiled in) and 60 ms of zod's on the DNS thread (27 ms). Only
// libsql, which loads its native module for this platform at run time, and ws's optional native
// helpers stay external (resolved from node_modules at run time).
//   node scripts/build_node_bundle.mjs [--outfile=PATH]
import { build } from "esbuild";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
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
  external: ["libsql", "bufferutil", "utf-8-validate"],
  // CommonJS packages compiled into an ES module still call require() for Node's modules.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\n' +
      "const require = __createRequire(import.meta.url);",
  },
  logLevel: "warning",
  legalComments: "eof",
};
const workerFile = join(dirname(outfile), STORAGE_WORKER_BUNDLE);
await build({
  ...common,
  entryPoints: [`${root}apps/udp-node/storage/storage_worker.ts`],
  outfile: workerFile,
});
// Code splitting: what a command imports lazily (the libSQL client, the zone import's writer,
// `dmp start`'s edge) goes into chunks/ and loads when that command runs, so `dmp node` loads
// neither libSQL package on its DNS thread (issue 15, start-up). Chunks from older builds are
// removed once the new ones are written.
const chunkDir = join(dirname(outfile), "chunks");
const result = await build({
  ...common,
  entryPoints: { [basename(outfile, ".mjs")]: `${root}apps/udp-node/cli/bundle_entry.ts` },
  outdir: dirname(outfile),
  outExtension: { ".js": ".mjs" },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  define: { STORAGE_WORKER_BUNDLE: JSON.stringify(STORAGE_WORKER_BUNDLE) },
});
const written = new Set(Object.keys(result.metafile.outputs).map((f) => resolve(f)));
for (const f of existsSync(chunkDir) ? readdirSync(chunkDir) : []) {
  if (!written.has(resolve(chunkDir, f))) rmSync(join(chunkDir, f), { force: true });
}
process.stdout.write(`built ${outfile} and ${workerFile}\n`);
