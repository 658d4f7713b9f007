// Builds batched_udp.node with the system C compiler against the running Node's headers
// (one C file: no node-gyp, python or header download needed). npm install runs it through
// the root postinstall. Where it cannot build (no compiler, not Linux), it says so and exits 0:
// the node then answers UDP through node:dgram, and says so at start.
// deno-lint-ignore-file no-console
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "build", "batched_udp.node");
const candidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
  join(dirname(process.execPath), "..", "include", "node"),
  "/usr/include/node",
].filter(Boolean);
const headers = candidates.find((d) =>
  existsSync(join(d, "node_api.h")) && existsSync(join(d, "uv.h"))
);

if (process.platform !== "linux") {
  console.log("batched UDP: skipped (Linux only); the node uses node:dgram");
} else if (!headers) {
  console.log(
    `batched UDP: not built, no Node headers in ${candidates.join(", ")}; the node uses node:dgram`,
  );
} else {
  const cc = process.env.CC || "cc";
  mkdirSync(dirname(out), { recursive: true });
  try {
    execFileSync(cc, [
      "-O2",
      "-Wall",
      "-Wextra",
      "-shared",
      "-fPIC",
      "-DNODE_GYP_MODULE_NAME=batched_udp",
      "-I",
      headers,
      join(here, "batched_udp.c"),
      "-o",
      out,
    ], { stdio: ["ignore", "inherit", "inherit"] });
    console.log(`batched UDP: built ${out}`);
  } catch (e) {
    console.log(
      `batched UDP: not built (${cc}: ${e.message.split("\n")[0]}); the node uses node:dgram`,
    );
  }
}
