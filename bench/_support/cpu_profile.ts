/**
 * Summaries of V8 `.cpuprofile` files (`node --cpu-prof`) for the benchmarks:
 * the hottest functions and files by self time, one summary per thread.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  /** node id of each sample, in time order */
  samples?: number[];
  /** microseconds since the previous sample */
  timeDeltas?: number[];
}

/**
 * Node names each profile `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`; thread 0 is
 * the main thread (the one answering DNS), the others are workers.
 */
function threadIdOf(fileName: string): number {
  const parts = fileName.split(".");
  return Number(parts[parts.length - 3]);
}

/**
 * Top `top` self-time functions and files of every `.cpuprofile` in `dir`,
 * the main thread first, then the workers busiest first (samples that are
 * not idle, program or GC). Paths are shown relative to the repository.
 */
export function summarizeCpuProfile(dir: string, top = 25): string {
  let files: string[] = [];
  try {
    files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".cpuprofile"))
      .map((e) => e.name);
  } catch { /* none */ }
  if (files.length === 0) return `(no .cpuprofile in ${dir})`;
  const threads = files.map((name) => {
    const profile = JSON.parse(Deno.readTextFileSync(`${dir}/${name}`)) as Profile;
    const nodes = profile.nodes;
    let busy = 0;
    for (const n of nodes) {
      if (!/^\((idle|program|garbage collector)\)$/.test(n.callFrame.functionName)) {
        busy += n.hitCount ?? 0;
      }
    }
    return { name, tid: threadIdOf(name), profile, busy };
  }).sort((a, b) => (a.tid === 0 ? -1 : b.tid === 0 ? 1 : b.busy - a.busy));
  return threads.map((t) => summarizeThread(`${dir}/${t.name}`, t.tid, t.profile, top)).join("\n");
}

function summarizeThread(path: string, tid: number, profile: Profile, top: number): string {
  const nodes = profile.nodes;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
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
  const thread = tid === 0 ? "main thread (DNS)" : `worker thread ${tid}`;
  return `profile of the ${thread}: ${path} (${total} samples, whole life incl. start-up)\n` +
    `-- self time by function\n${fmt(byFn)}\n-- self time by file\n${fmt(byFile)}\n` +
    busyStretches(profile);
}

/**
 * The longest stretches in which the thread never went idle, and the longest gaps between two
 * samples: a stretch is work that delays everything queued behind it on this thread; a gap
 * much longer than the sampling interval is time the thread was not running at all (not
 * scheduled, or blocked in a system call the sampler cannot interrupt).
 */
function busyStretches(profile: Profile, top = 8): string {
  const { samples, timeDeltas } = profile;
  if (!samples || !timeDeltas) return "(no sample timeline)";
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stretches: { ms: number; fns: Map<string, number> }[] = [];
  const gaps: number[] = [];
  let current: { ms: number; fns: Map<string, number> } | undefined;
  for (let i = 1; i < samples.length; i++) {
    const dt = timeDeltas[i] / 1000;
    gaps.push(dt);
    const frame = byId.get(samples[i])?.callFrame;
    const fn = frame?.functionName ?? "?";
    if (fn === "(idle)") {
      if (current) stretches.push(current);
      current = undefined;
      continue;
    }
    current ??= { ms: 0, fns: new Map() };
    current.ms += dt;
    const key = `${fn || "(anonymous)"}:${(frame?.lineNumber ?? 0) + 1}`;
    current.fns.set(key, (current.fns.get(key) ?? 0) + 1);
  }
  if (current) stretches.push(current);
  stretches.sort((a, b) => b.ms - a.ms);
  gaps.sort((a, b) => b - a);
  const lines = stretches.slice(0, top).map((s) =>
    `${s.ms.toFixed(1).padStart(7)} ms  ` +
    [...s.fns].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k}×${v}`).join(", ")
  );
  return `-- longest busy stretches (no idle sample in between)\n${lines.join("\n")}\n` +
    `-- longest gaps between samples (ms): ${
      gaps.slice(0, top).map((g) => g.toFixed(1)).join(", ")
    }`;
}
