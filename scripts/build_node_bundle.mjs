// `npm run build`: compiles the `dmp` CLI (udp-node included) into one ES module,
// dist/dmp.mjs, for production. Running it needs no TypeScript loader: tsx's loader
// thread costs a udp-node ~30 MiB of RSS and a second of start-up (bench/README.md).
// npm packages stay external (resolved from node_modules at run time).
//   node scripts/build_node_bundle.mjs [--outfile=PATH]
import { build } from "esbuild";
import process from "node:process";

const root = new URL("../", import.meta.url).pathname;
const outArg = process.argv.find((a) => a.startsWith("--outfile="));
const outfile = outArg ? outArg.slice("--outfile=".length) : `${root}dist/dmp.mjs`;

await build({
  entryPoints: [`${root}apps/udp-node/cli/bundle_entry.ts`],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  legalComments: "none",
});
process.stdout.write(`built ${outfile}\n`);
