// `dmp` on Deno (`deno task dmp …`).
import process from "node:process";
import { runCli } from "../apps/udp-node/cli/main.ts";

process.exitCode = await runCli(process.argv.slice(2), process.env);
