/**
 * Deno's bind failures in Node's shape: `Deno.errors.AddrInUse` becomes an
 * Error with `code: "EADDRINUSE"` and Node's message ("listen EADDRINUSE:
 * address already in use HOST:PORT"), so the CLI, the local stack and the
 * test launchers recognise a taken port whichever runtime the node runs on.
 *
 * @module
 */

/**
 * Returns `e` unchanged unless it is Deno's AddrInUse, which is re-shaped.
 *
 * @param e what `Deno.listen` / `Deno.listenDatagram` threw
 * @param host the address bound
 * @param port the port bound
 * @returns the error to throw
 */
export function nodeShapedBindError(e: unknown, host: string, port: number): unknown {
  if (typeof Deno === "undefined" || !(e instanceof Deno.errors.AddrInUse)) return e;
  return Object.assign(new Error(`listen EADDRINUSE: address already in use ${host}:${port}`), {
    code: "EADDRINUSE",
  });
}
