/**
 * Test-only harness (not part of the runtime-neutral module surface): spawn
 * real DNS clients with a bounded wait, capture their UDP/TCP requests on
 * 127.0.0.1 and build simple responses. Imported by the `*.test.ts` files.
 * It uses `Deno.Command` and `node:dgram`/`node:net`, so its name ends in
 * `_deno` (the test runner's runtime), which is what exempts it from the
 * runtime-free rule of `packages/core` (`tests/layout/core_runtime_free.test.ts`).
 * @module
 */

import dgram from "node:dgram";
import net from "node:net";
import { Buffer } from "node:buffer";
import { CLASS, FLAG, TYPE } from "../wire/constants.ts";
import { decodeMessage, encodeMessage, type ResourceRecord } from "../wire/message.ts";
import { encodeTxtRdata } from "../wire/rdata.ts";

/** Output of a finished (or killed) process. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `cmd args`, feeding `stdin`, killed after `timeoutMs`. */
export async function run(
  cmd: string,
  args: string[],
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CommandOutput> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 10_000);
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    timedOut,
  };
}

/** A datagram captured by {@linkcode UdpCapture}. */
export interface Datagram {
  data: Uint8Array;
  address: string;
  port: number;
}

/** A UDP socket on 127.0.0.1 with an ephemeral port that queues datagrams. */
export class UdpCapture {
  readonly #socket: dgram.Socket;
  readonly #queue: Datagram[] = [];
  #waiter: ((d: Datagram) => void) | undefined;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      const d = { data: new Uint8Array(msg), address: rinfo.address, port: rinfo.port };
      const w = this.#waiter;
      if (w) {
        this.#waiter = undefined;
        w(d);
      } else this.#queue.push(d);
    });
  }

  /** Binds a new capture socket. */
  static open(): Promise<UdpCapture> {
    const socket = dgram.createSocket("udp4");
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => resolve(new UdpCapture(socket)));
    });
  }

  /** The bound port. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** The next datagram, or rejects after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Datagram> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error("no datagram within timeout"));
      }, timeoutMs);
      this.#waiter = (d) => {
        clearTimeout(timer);
        resolve(d);
      };
    });
  }

  /** Sends `data` back to the sender of `to`. */
  reply(to: Datagram, data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.send(data, to.port, to.address, (err) => err ? reject(err) : resolve());
    });
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

/** A one-connection TCP server: hands each request message to `handle`, writes its replies. */
export async function tcpServeOnce(
  handle: (request: Uint8Array) => Promise<Uint8Array[]>,
): Promise<{ port: number; done: Promise<void>; close: () => void }> {
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const server = net.createServer((sock) => {
    let buf = new Uint8Array(0);
    sock.on("data", async (chunk: Buffer) => {
      const merged = new Uint8Array(buf.length + chunk.length);
      merged.set(buf);
      merged.set(new Uint8Array(chunk), buf.length);
      buf = merged;
      if (buf.length < 2) return;
      const len = (buf[0] << 8) | buf[1];
      if (buf.length < 2 + len) return;
      const request = buf.slice(2, 2 + len);
      buf = buf.slice(2 + len);
      const replies = await handle(request);
      for (const r of replies) {
        const framed = new Uint8Array(2 + r.length);
        framed[0] = r.length >> 8;
        framed[1] = r.length & 0xff;
        framed.set(r, 2);
        sock.write(framed);
      }
      sock.end();
      resolveDone();
    });
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { port, done, close: () => server.close() };
}

/** Builds a NOERROR/AA answer to `request` (echoing its question) with the given records. */
export function answerTo(
  request: Uint8Array,
  answers: ResourceRecord[] = [],
  rcode = 0,
): Uint8Array {
  const d = decodeMessage(request);
  if (!d.ok) throw new Error(`bad request: ${d.error}`);
  const m = d.message;
  return encodeMessage({
    id: m.id,
    flags: FLAG.QR | FLAG.AA | (m.flags & FLAG.RD),
    opcode: m.opcode,
    rcode,
    questions: m.questions,
    answers,
    authorities: [],
    additionals: [],
  });
}

/** A TXT record. */
export function txt(name: string, value: string): ResourceRecord {
  return { name, type: TYPE.TXT, class: CLASS.IN, ttl: 60, rdata: encodeTxtRdata(value) };
}

/** Random secret bytes and their base64. */
export function randomSecret(length = 32): { raw: Uint8Array; b64: string } {
  const raw = crypto.getRandomValues(new Uint8Array(length));
  return { raw, b64: btoa(String.fromCharCode(...raw)) };
}

/** Current unix seconds (tests only: library code never reads the clock). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
