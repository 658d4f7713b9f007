/**
 * A benchmark run's report and lifecycle: lines printed and kept for the
 * results file, the file itself under `bench/results/`, and the wrapper that
 * stops every started process on Ctrl-C, SIGTERM or an error.
 *
 * @module
 */

import { cleanupAll } from "./processes.ts";
import { exists, run } from "./proc_stats.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const enc = new TextEncoder();
const raw: string[] = [];

/** Prints a line and keeps it for the results file. */
export function say(line = ""): void {
  raw.push(line);
  Deno.stdout.writeSync(enc.encode(line + "\n"));
}

/** One line describing this machine: host, kernel, CPUs and model, memory. */
export function describeHost(): string {
  const model = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  return `host: ${Deno.hostname()}, ${run("uname", ["-srm"]).out.trim()}, ` +
    `${navigator.hardwareConcurrency} CPUs (${model}), ` +
    `${(Deno.systemMemoryInfo().total / 2 ** 30).toFixed(1)} GiB RAM`;
}

/** Throws, naming the first missing path and how to install it, unless all `paths` exist. */
export function requireFiles(paths: readonly string[], howToInstall: string): void {
  for (const path of paths) {
    if (!exists(path)) throw new Error(`${path} is missing (${howToInstall})`);
  }
}

/** Keeps a block for the results file only. */
export function keep(block: string): void {
  raw.push(block);
}

/**
 * Writes everything said and kept to `bench/results/<day>-<name>.txt`
 * (`-2`, `-3`, … when that day has one) and says where.
 */
export function saveResults(name: string, isoDate: string): void {
  const dir = `${ROOT}bench/results`;
  Deno.mkdirSync(dir, { recursive: true });
  const day = isoDate.slice(0, 10);
  let file = `${dir}/${day}-${name}.txt`;
  for (let i = 2; exists(file); i++) file = `${dir}/${day}-${name}-${i}.txt`;
  Deno.writeTextFileSync(file, raw.join("\n") + "\n");
  say(`results: ${file.replace(ROOT, "")}`);
}

/** Runs `main` and exits with its code; every process started is stopped on a signal or error. */
export async function runBench(main: () => Promise<number>): Promise<never> {
  let interrupted = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      if (interrupted) return;
      interrupted = true;
      say(`\n${sig}: stopping every process started`);
      cleanupAll().finally(() => Deno.exit(130));
    });
  }
  try {
    Deno.exit(await main());
  } catch (e) {
    await cleanupAll();
    Deno.stderr.writeSync(enc.encode(`bench failed: ${(e as Error)?.stack ?? e}\n`));
    Deno.exit(1);
  }
}
