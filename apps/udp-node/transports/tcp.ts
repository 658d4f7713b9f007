/**
 * TCP transport (RFC 1035 §4.2.2, RFC 7766): the shared stream handling of
 * {@linkcode listenStream} (framing, per-message deadlines, per-address and
 * global caps with idle eviction, zone transfer streams) on a plain socket,
 * with the edns-tcp-keepalive option (RFC 7828) carrying the idle timeout.
 *
 * @module
 */

import type { DnsService } from "../dns_service.ts";
import { listenStream, type StreamLimits, type StreamListener } from "./stream_connections.ts";
import { keepaliveTimeout } from "../../../packages/core/wire/edns.ts";

/** A bound TCP listener. */
export type TcpListener = StreamListener;

/** TCP limits. */
export type TcpOptions = StreamLimits;

/** Binds TCP on host:port and answers through `service`. */
export function listenTcp(
  service: DnsService,
  host: string,
  port: number,
  options: TcpOptions,
): Promise<TcpListener> {
  // RFC 8467 §4: padding is for encrypted transports; plain TCP sends none.
  const edns = { keepalive: keepaliveTimeout(options.idleTimeoutMs), padBlock: 0 };
  return listenStream(service, host, port, options, edns);
}
