// `npm run bench [-- options]`: the UDP queries/s benchmark of the udp-node
// against NSD (bench/udp_qps_vs_nsd/run.ts, run under the repository's Deno).
// Options are passed through; see bench/README.md.
import { spawnSync } from "node:child_process";
import process from "node:process";

const root = new URL("../", import.meta.url).pathname;
const deno = `${root}node_modules/.bin/deno`;
const r = spawnSync(deno, [
  "run",
  "-A",
  `${root}bench/udp_qps_vs_nsd/run.ts`,
  ...process.argv.slice(2),
], {
  stdio: "inherit",
  cwd: root,
  env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
});
process.exit(r.status ?? 1);
