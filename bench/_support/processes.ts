/**
 * Process handling shared by the benchmarks: spawn servers with captured
 * logs, stop them with their forked children, and clean up everything on exit.
 *
 * @module
 */

export { freePort } from "../../tests/_support/node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Every process we started, for the cleanup on exit and on error. */
export const started = new Set<Deno.ChildProcess>();

/** Server (see the module doc). */
export interface Server {
  name: string;
  child: Deno.ChildProcess;
  pid: number;
  logs(): string;
  exited(): boolean;
}

/** spawnServer (see the module doc). */
export function spawnServer(
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Server {
  const child = new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  started.add(child);
  let text = "";
  let exited = false;
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      text += dec.decode(chunk);
      if (text.length > 1_000_000) text = text.slice(-200_000);
    }
  };
  collect(child.stdout).catch(() => {});
  collect(child.stderr).catch(() => {});
  child.status.then(() => {
    exited = true;
    started.delete(child);
  });
  return { name, child, pid: child.pid, logs: () => text, exited: () => exited };
}

/** SIGTERM the process and its descendants, SIGKILL after 5 s. */
export async function stopProcess(child: Deno.ChildProcess): Promise<void> {
  const pids = [child.pid, ...descendants(child.pid)];
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch { /* gone */ }
  }
  const timer = setTimeout(() => {
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }, 5000);
  try {
    await child.status;
  } finally {
    clearTimeout(timer);
  }
  // Forked children (NSD's server and xfrd) may outlive the parent briefly.
  const deadline = Date.now() + 5000;
  while (pids.slice(1).some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.slice(1)) {
    if (alive(pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  started.delete(child);
}

/** alive (see the module doc). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** cleanupAll (see the module doc). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...started].map((c) => stopProcess(c).catch(() => {})));
}

/** Pids of every descendant of `root`, from /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(e.name), Number(f[1]));
    } catch { /* raced with exit */ }
  }
  const out: number[] = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (want.has(ppid) && !want.has(pid)) {
        want.add(pid);
        out.push(pid);
        grew = true;
      }
    }
  }
  return out;
}

/** sleep (see the module doc). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The Node flags the systemd unit starts the udp-node with (what stands between
 * the node binary and `dist/dmp.mjs` on `ExecStart` of
 * `infra/systemd/dmp-udp-node.service`): benchmarks start the node with them,
 * as production does, then with an experiment's extra flags from the
 * `BENCH_NODE_FLAGS` environment variable (space-separated, e.g. another
 * semi-space size), which a results file must then say it ran with.
 */
export function udpNodeFlags(): string[] {
  const unit = Deno.readTextFileSync(`${ROOT}infra/systemd/dmp-udp-node.service`);
  const words = /^ExecStart=\S+\s+(.*)$/m.exec(unit)?.[1].trim().split(/\s+/) ?? [];
  const script = words.findIndex((w) => w.endsWith("/dist/dmp.mjs"));
  if (script < 0) throw new Error("dmp-udp-node.service: no ExecStart running dist/dmp.mjs");
  const extra = Deno.env.get("BENCH_NODE_FLAGS")?.split(" ").filter(Boolean) ?? [];
  return [...words.slice(0, script), ...extra];
}

/**
 * Builds the production entry of the node, `dist/dmp.mjs` (`npm run build`),
 * from the current sources and returns its path: the benchmarks measure what
 * the systemd unit runs, not the sources through tsx.
 */
export function buildNodeBundle(): string {
  const out = `${ROOT}dist/dmp.mjs`;
  const r = new Deno.Command("node", {
    args: [`${ROOT}scripts/build_node_bundle.mjs`, `--outfile=${out}`],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (r.code !== 0) throw new Error(`npm run build failed:\n${new TextDecoder().decode(r.stderr)}`);
  return out;
}
