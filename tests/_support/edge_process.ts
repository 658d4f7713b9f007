/**
 * Starts the edge API on each runtime for the HTTP suites (issue 4): a Deno
 * process, a Node process (tsx), or workerd through Miniflare running the
 * esbuild bundle of `adapters/workers.ts`. Each resolves once the app is
 * listening (bounded wait on the "edge-api listening" line or Miniflare's
 * `ready`), never after a fixed sleep.
 *
 * @module
 */

import { Miniflare } from "miniflare";
import { stopChild } from "./stop_child.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A runtime the edge app runs on. */
export type EdgeRuntime = "deno" | "node" | "workerd";

/** A running edge API. */
export interface EdgeProcess {
  runtime: EdgeRuntime;
  /** base URL without trailing slash */
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

let bundlePromise: Promise<string> | undefined;

/**
 * Bundles `apps/edge-api/adapters/workers.ts` for workerd with esbuild (once per test process).
 *
 * @returns the directory holding `worker.mjs`
 */
export function buildWorkerBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "dmp-worker-" });
    const out = await new Deno.Command(`${ROOT}node_modules/.bin/esbuild`, {
      args: [
        `${ROOT}apps/edge-api/adapters/workers.ts`,
        "--bundle",
        "--format=esm",
        "--platform=browser",
        "--conditions=workerd,worker,browser",
        `--outfile=${dir}/worker.mjs`,
        "--log-level=warning",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) {
      throw new Error(`esbuild failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
    return dir;
  })();
  return bundlePromise;
}

/**
 * Starts the edge API on `runtime` with `env` (DMP_* strings).
 *
 * @param options the runtime and environment
 * @returns the running app
 */
export async function startEdge(
  options: { runtime: EdgeRuntime; env: Record<string, string> },
): Promise<EdgeProcess> {
  if (options.runtime === "workerd") return await startWorkerd(options.env);
  return await startProcess(options.runtime, options.env);
}

async function startWorkerd(env: Record<string, string>): Promise<EdgeProcess> {
  const dir = await buildWorkerBundle();
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${dir}/worker.mjs`,
    modulesRoot: dir,
    compatibilityDate: "2025-01-01",
    compatibilityFlags: ["nodejs_compat"],
    bindings: env,
  });
  // Bounded like the process launchers: a workerd that never gets ready fails the start.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = await Promise.race([
    mf.ready,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("workerd (Miniflare) not ready within 30 s")),
        30000,
      );
    }),
  ]).catch(async (e) => {
    await mf.dispose().catch(() => {});
    throw e;
  }).finally(() => clearTimeout(timer));
  return {
    runtime: "workerd",
    url: String(ready).replace(/\/$/, ""),
    logs: () => "(workerd logs go to the test's stdout)",
    stop: () => mf.dispose(),
  };
}

/**
 * Spawns the Deno or Node entry point and waits for its listening line.
 *
 * @param runtime deno or node
 * @param env DMP_* variables
 * @returns the running process
 */
export async function startProcess(
  runtime: "deno" | "node",
  env: Record<string, string>,
): Promise<EdgeProcess> {
  const cmd = runtime === "node" ? "node" : `${ROOT}node_modules/.bin/deno`;
  const args = runtime === "node"
    ? ["--import", "tsx", `${ROOT}apps/edge-api/adapters/node.ts`]
    : ["run", "-A", `${ROOT}apps/edge-api/adapters/deno.ts`];
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      DENO_NO_UPDATE_CHECK: "1",
      DMP_HTTP_HOST: "127.0.0.1",
      DMP_HTTP_PORT: "0",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let logText = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) logText += dec.decode(chunk);
  };
  const collecting = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = Date.now() + 30000;
  let m: RegExpExecArray | null = null;
  while (!(m = /edge-api listening on (http:\/\/[^\s]+)/.exec(logText))) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      await status;
      await collecting;
      throw new Error(`edge-api (${runtime}) did not start:\n${logText}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    runtime,
    url: m[1],
    logs: () => logText,
    async stop() {
      await stopChild(child, { status, collecting, exited });
    },
  };
}

/**
 * Runs a process to completion (start-up refusal tests) with a bound.
 *
 * @param runtime deno or node
 * @param env DMP_* variables
 * @returns exit code and output
 */
export async function runEdgeToExit(
  runtime: "deno" | "node",
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const cmd = runtime === "node" ? "node" : `${ROOT}node_modules/.bin/deno`;
  const args = runtime === "node"
    ? ["--import", "tsx", `${ROOT}apps/edge-api/adapters/node.ts`]
    : ["run", "-A", `${ROOT}apps/edge-api/adapters/deno.ts`];
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 20000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
