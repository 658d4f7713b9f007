/**
 * TCP transport on `Deno.listen` (Deno; Node uses `tcp.ts`). Framing, limits
 * and in-order answers live in the runtime-free `tcp_connection_policy.ts`;
 * this adapter accepts connections, reads into one buffer per connection and
 * writes the queued answers in order.
 *
 * @module
 */

import type { DnsService } from "../dns_service.ts";
import {
  plainTcpEdns,
  TcpConnectionPolicy,
  type TcpOptions,
  type TcpPeer,
} from "./tcp_connection_policy.ts";
import type { TcpListener } from "./tcp.ts";
import { nodeShapedBindError } from "./bind_error.ts";

/** Queued bytes past which {@linkcode TcpPeer.write} asks a stream producer to wait. */
const HIGH_WATER_BYTES = 64 * 1024;
/** A DNS message is at most 65535 bytes plus its 2-byte prefix (RFC 1035 §4.2.2). */
const READ_BUFFER_BYTES = 65537;

/** A `Deno.Conn` as the policy's {@linkcode TcpPeer}: a write queue pumped by one loop. */
class DenoPeer implements TcpPeer {
  #conn: Deno.Conn;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #pumping = false;
  #waiters: (() => void)[] = [];
  destroyed = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  write(bytes: Uint8Array): boolean {
    if (this.destroyed) return false;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    if (!this.#pumping) this.#pump();
    return this.#queued < HIGH_WATER_BYTES;
  }

  drained(): Promise<void> {
    if (this.destroyed || this.#queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  queuedBytes(): number {
    return this.#queued;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#wake();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.destroyed) {
        const item = this.#queue[0];
        // conn.write may take part of the buffer: loop until all of it is written.
        for (let bytes = item; bytes.length > 0;) {
          bytes = bytes.subarray(await this.#conn.write(bytes));
        }
        this.#queue.shift();
        this.#queued -= item.length;
        this.#wake();
      }
    } catch {
      this.destroy();
    } finally {
      this.#pumping = false;
      this.#wake();
    }
  }

  #wake(): void {
    if (!this.destroyed && this.#queued > 0) return;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** Binds TCP on host:port and answers through `service`. */
export function listenTcpDeno(
  service: DnsService,
  host: string,
  port: number,
  options: TcpOptions,
): Promise<TcpListener> {
  const policy = new TcpConnectionPolicy(service, { ...options, edns: plainTcpEdns(options) });
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (e) {
    return Promise.reject(nodeShapedBindError(e, host, port));
  }
  let closing = false;
  const serve = async (conn: Deno.TcpConn) => {
    const peer = new DenoPeer(conn);
    const admitted = policy.open(peer, (conn.remoteAddr as Deno.NetAddr).hostname);
    if (!admitted) {
      peer.destroy();
      return;
    }
    try {
      conn.setNoDelay(true);
    } catch { /* closed already */ }
    const buf = new Uint8Array(READ_BUFFER_BYTES);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        // receive() copies, so the buffer is reused.
        admitted.receive(buf.subarray(0, n));
      }
    } catch {
      // Reset by the client, or closed by the policy (timeouts, eviction).
    } finally {
      peer.destroy();
      admitted.closed();
    }
  };
  const accepting = (async () => {
    while (!closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        if (closing) return;
        // EMFILE and the like: back off instead of spinning.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      serve(conn);
    }
  })();
  return Promise.resolve({
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      closing = true;
      listener.close();
      policy.closeAll();
      await accepting;
    },
  });
}
