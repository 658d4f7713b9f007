/**
 * Stopping a server a test started: `signal` first (unless it already
 * exited), SIGKILL after 5 s if it is still running, then wait for its exit
 * status and for its output to be collected, so no test leaks a process or a
 * pending read.
 *
 * @module
 */

/** How long a child gets after `signal` before SIGKILL. */
const KILL_AFTER_MS = 5000;

/**
 * Stops `child` and resolves with its exit status.
 *
 * @param child the process
 * @param state the child's exit status promise, its output collection, whether it already exited,
 *   and the first signal (SIGTERM unless given)
 * @returns the exit status
 */
export async function stopChild<S>(
  child: { kill(signal: Deno.Signal): void },
  state: {
    status: Promise<S>;
    collecting: Promise<unknown>;
    exited: boolean;
    signal?: Deno.Signal;
  },
): Promise<S> {
  if (!state.exited) {
    try {
      child.kill(state.signal ?? "SIGTERM");
    } catch { /* gone */ }
  }
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, KILL_AFTER_MS);
  const s = await state.status;
  clearTimeout(killer);
  await state.collecting;
  return s;
}
