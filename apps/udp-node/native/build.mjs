// Builds the udp-node's addons with the system C compiler against the running Node's headers
// (one C file each: no node-gyp, python or header download needed): batched_udp.node
// (recvmmsg/sendmmsg) and malloc_trim.node. npm install runs it through the root postinstall.
// Where it cannot build (no compiler, not Linux), it says so and exits 0: the node then answers
// UDP through node:dgram and keeps what the C heap keeps, and says so at start.
// deno-lint-ignore-file no-console
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** Each addon: its C file and what the node does without it. */
const ADDONS = [
  { name: "batched_udp", without: "the node uses node:dgram" },
  { name: "malloc_trim", without: "the node does not return freed C heap pages" },
];
const candidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
  join(dirname(process.execPath), "..", "include", "node"),
  "/usr/include/node",
].filter(Boolean);
const headers = candidates.find((d) =>
  existsSync(join(d, "node_api.h")) && existsSync(join(d, "uv.h"))
);

if (process.platform !== "linux") {
  for (const a of ADDONS) console.log(`${a.name}: skipped (Linux only); ${a.without}`);
} else if (!headers) {
  for (const a of ADDONS) {
    console.log(
      `${a.name}: not built, no Node headers in ${candidates.join(", ")}; ${a.without}`,
    );
  }
} else {
  const cc = process.env.CC || "cc";
  mkdirSync(join(here, "build"), { recursive: true });
  for (const a of ADDONS) {
    const out = join(here, "build", `${a.name}.node`);
    try {
      execFileSync(cc, [
        "-O2",
        "-Wall",
        "-Wextra",
        "-shared",
        "-fPIC",
        `-DNODE_GYP_MODULE_NAME=${a.name}`,
        "-I",
        headers,
        join(here, `${a.name}.c`),
        "-o",
        out,
      ], { stdio: ["ignore", "inherit", "inherit"] });
      console.log(`${a.name}: built ${out}`);
    } catch (e) {
      console.log(`${a.name}: not built (${cc}: ${e.message.split("\n")[0]}); ${a.without}`);
    }
  }
}
