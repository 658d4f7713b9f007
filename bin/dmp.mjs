#!/usr/bin/env node
// `dmp` on Node: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";
import process from "node:process";

register();
const { runCli } = await import("../apps/udp-node/cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2), process.env);
