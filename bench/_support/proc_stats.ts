/**
 * /proc readings and small process helpers shared by the benchmarks.
 *
 * @module
 */

import { descendants } from "./processes.ts";

/** Kernel clock ticks per second (USER_HZ) for the times in /proc/PID/stat. */
export const CLK_TCK = 100;

/** CPU seconds (user + system) of the process tree. */
export function cpuSecondsOf(root: number): number {
  let ticks = 0;
  for (const pid of [root, ...descendants(root)]) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return ticks / CLK_TCK;
}

/**
 * RSS and PSS (KiB) summed over the process and its descendants. PSS
 * (`smaps_rollup`) divides each shared page among the processes mapping it,
 * so a server that forks (NSD: main, xfrd, server) is not counted up to three
 * times as summed RSS would.
 */
export function memoryOf(root: number): { rssKiB: number; pssKiB: number; pids: number[] } {
  const pids = [root, ...descendants(root)];
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      rss += m ? Number(m[1]) : 0;
      const p = /^Pss:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`));
      pss += p ? Number(p[1]) : 0;
    } catch { /* gone */ }
  }
  return { rssKiB: rss, pssKiB: pss, pids };
}

/** Per-core [busy, total] jiffies from /proc/stat. */
export function coreTicks(): [number, number][] {
  const out: [number, number][] = [];
  for (const line of Deno.readTextFileSync("/proc/stat").split("\n")) {
    if (!/^cpu\d+ /.test(line)) continue;
    const f = line.split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4];
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out.push([total - idle, total]);
  }
  return out;
}

/** run. */
export function run(cmd: string, args: string[]): { code: number; out: string } {
  try {
    const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } catch (e) {
    return { code: -1, out: String(e) };
  }
}

/** exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
