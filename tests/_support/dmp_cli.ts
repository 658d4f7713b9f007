/**
 * The `dmp` CLI of this checkout (`bin/dmp.mjs` under Node) run as a child
 * process, as an operator runs it: the test's environment plus `env`, its
 * exit code and output returned, stopped after 30 s.
 */
import assert from "node:assert/strict";
import { run } from "./dig.ts";

const DMP = new URL("../../bin/dmp.mjs", import.meta.url).pathname;

/** Runs `dmp ...args` with `env` (e.g. `DMP_DB_URL`, `DMP_TSIG_SECRET_KEY`) added. */
export function runDmp(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", [DMP, ...args], { env, timeoutMs: 30000 });
}

/** The standard output of a `dmp` run that must succeed (exit 0; else its stderr fails the test). */
export async function dmpOk(
  p: Promise<{ code: number; stdout: string; stderr: string }>,
): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
