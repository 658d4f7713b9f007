/**
 * Stopping with whoever launched us. A signal is not always passed on: a
 * SIGTERM to `npm start` kills npm and leaves its `sh -c` and our process
 * running, so long-running local commands (`dmp start`, `npm run
 * dev:workers`) also watch their parent and, under npm, npm itself.
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";

/** The parent pid of `pid` (Linux /proc), if it can be read. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Calls `stop` (polling every 250 ms) when whatever launched the stack goes away without a signal reaching us:
 * our parent, and under `npm start` also npm itself (npm runs us through `sh -c`, and a
 * SIGTERM to npm kills npm but not the shell's child).
 */
export function watchLaunchers(env: Record<string, string | undefined>, stop: () => void) {
  const parent = process.ppid;
  const watched = [parent];
  if (env.npm_lifecycle_event) {
    const npm = parentOf(parent);
    if (npm && npm > 1) watched.push(npm);
  }
  return setInterval(() => {
    if (process.ppid !== parent || !watched.every(alive)) stop();
  }, 250);
}
