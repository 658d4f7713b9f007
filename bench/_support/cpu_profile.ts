/**
 * Summaries of V8 `.cpuprofile` files (`node --cpu-prof`) for the benchmarks:
 * the hottest functions and files by self time.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Top `top` self-time functions and files of the busiest `.cpuprofile` in
 * `dir` (Node writes one per thread; the busiest, not counting idle, program
 * and GC samples, is the main thread). Paths are shown relative to the
 * repository.
 */
export function summarizeCpuProfile(dir: string, top = 30): string {
  let files: string[] = [];
  try {
    files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".cpuprofile"))
      .map((e) => `${dir}/${e.name}`);
  } catch { /* none */ }
  if (files.length === 0) return `(no .cpuprofile in ${dir})`;
  let best: { path: string; nodes: ProfileNode[]; busy: number } | undefined;
  for (const path of files) {
    const nodes = (JSON.parse(Deno.readTextFileSync(path)) as { nodes: ProfileNode[] }).nodes;
    let busy = 0;
    for (const n of nodes) {
      if (!/^\((idle|program|garbage collector)\)$/.test(n.callFrame.functionName)) {
        busy += n.hitCount ?? 0;
      }
    }
    if (!best || busy > best.busy) best = { path, nodes, busy };
  }
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of best!.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    total += hits;
    const url = n.callFrame.url.replace(`file://${ROOT}`, "");
    const key = `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    const file = url || n.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
  }
  const fmt = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, v]) => `${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`).join("\n");
  return `profile ${best!.path} (${total} samples, whole process life incl. start-up)\n` +
    `-- self time by function\n${fmt(byFn)}\n-- self time by file\n${fmt(byFile)}`;
}
