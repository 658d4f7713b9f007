/**
 * One dnsperf run for the benchmarks: pinned to core 1, its output written to
 * a file (so per-query `-v` lines cost this process nothing while servers are
 * measured) and parsed afterwards, its CPU share sampled from /proc.
 *
 * @module
 */

import { started } from "./processes.ts";
import { CLK_TCK } from "./proc_stats.ts";

/** Where Debian's dnsperf lives. */
export const DNSPERF_BIN = "/usr/bin/dnsperf";

/** What one dnsperf run printed and cost. */
export interface DnsperfRun {
  /** the summary: every line but the per-query `> ` lines, then stderr if any */
  summary: string;
  /** per-query latencies in seconds (from `-v`), sorted ascending */
  latencies: Float64Array;
  /** dnsperf's CPU seconds per second of its run */
  cpuShare: number;
}

/**
 * Runs `dnsperf ARGS` under `taskset -c 1`; `scratch` is a path prefix for
 * the output file. Throws with the output when dnsperf fails.
 */
export async function runDnsperf(args: readonly string[], scratch: string): Promise<DnsperfRun> {
  const outFile = `${scratch}.dnsperf-${Date.now()}.out`;
  const quoted = ["-c", "1", DNSPERF_BIN, ...args].map((a) => `'${a}'`).join(" ");
  const child = new Deno.Command("sh", {
    args: ["-c", `exec taskset ${quoted} > '${outFile}'`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  started.add(child);
  const t0 = performance.now();
  let lastCpu = 0;
  let lastAt = 0;
  const sampler = setInterval(() => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${child.pid}/stat`);
      if (!stat.includes("(dnsperf)")) return;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      lastCpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
      lastAt = (performance.now() - t0) / 1000;
    } catch { /* exited */ }
  }, 500);
  const dec = new TextDecoder();
  const errText = (async () => {
    let s = "";
    for await (const c of child.stderr) s += dec.decode(c);
    return s;
  })();
  const status = await child.status;
  clearInterval(sampler);
  started.delete(child);
  const stderr = (await errText).trim();
  const out = Deno.readTextFileSync(outFile);
  Deno.removeSync(outFile);
  // A million `-v` lines: parse in place into a growing typed array, no array of lines.
  let lat = new Float64Array(1 << 16);
  let n = 0;
  const lines: string[] = [];
  for (let pos = 0; pos < out.length;) {
    let nl = out.indexOf("\n", pos);
    if (nl < 0) nl = out.length;
    if (out.startsWith("> ", pos)) {
      const v = Number(out.slice(out.lastIndexOf(" ", nl) + 1, nl));
      if (n === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      if (Number.isFinite(v)) lat[n++] = v;
    } else lines.push(out.slice(pos, nl));
    pos = nl + 1;
  }
  const text = lines.join("\n");
  if (status.code !== 0) throw new Error(`dnsperf failed (${status.code}):\n${text}\n${stderr}`);
  return {
    summary: text + (stderr ? `\n[stderr]\n${stderr}` : ""),
    latencies: lat.slice(0, n).sort(),
    cpuShare: lastAt > 0 ? lastCpu / lastAt : NaN,
  };
}

/** The first number captured by `re` in a dnsperf summary; NaN when absent. */
export function summaryNumber(summary: string, re: RegExp): number {
  return Number(re.exec(summary)?.[1] ?? NaN);
}

/** The `p` quantile (0–1) of sorted latencies in seconds, in milliseconds; NaN when empty. */
export function percentileMs(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  return n ? sorted[Math.min(n - 1, Math.floor(p * n))] * 1000 : NaN;
}
