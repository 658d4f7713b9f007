/**
 * A listener that cannot bind at start-up (port taken, address not local,
 * privileged port): fatal for `dmp node`, with a message naming the address,
 * the protocol and the variable that moves it. A node that logged EADDRINUSE
 * and kept running looked up to systemd while serving nothing.
 *
 * @module
 */

/** Why a listener could not bind, naming what to change. */
export class ListenError extends Error {
  /** the bind error's code (EADDRINUSE, EACCES, …), kept for callers that branch on it */
  readonly code: string | undefined;
  /**
   * @param what the listener, e.g. "DNS over UDP"
   * @param variable the setting that moves its port, e.g. "DMP_DNS_PORT"
   * @param host the address it tried
   * @param port the port it tried
   * @param cause the bind error (its `code`, e.g. EADDRINUSE, is kept in the message)
   */
  constructor(
    readonly what: string,
    readonly variable: string,
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const code = (cause as { code?: string })?.code;
    const why = code === "EADDRINUSE"
      ? "address already in use"
      : code === "EACCES"
      ? "permission denied (ports below 1024 need privileges)"
      : code === "EADDRNOTAVAIL"
      ? "address not available on this host"
      : String((cause as Error)?.message ?? cause);
    super(
      `cannot listen for ${what} on ${host}:${port}: ${why}${code ? ` (${code})` : ""}; ` +
        `set ${variable} to a free port`,
    );
    this.name = "ListenError";
    this.code = code;
  }
}

/**
 * Awaits a listener's bind, turning its failure into a {@linkcode ListenError}.
 *
 * @param what the listener, for the message
 * @param variable the setting that moves its port
 * @param host the address it binds
 * @param port the port it binds
 * @param binding the listener's bind promise
 * @returns the listener
 */
export async function bindOrFail<T>(
  what: string,
  variable: string,
  host: string,
  port: number,
  binding: Promise<T>,
): Promise<T> {
  try {
    return await binding;
  } catch (e) {
    throw new ListenError(what, variable, host, port, e);
  }
}
