/**
 * DNS over TLS (RFC 7858) on node:tls: the connection handling of
 * `tcp_connection_policy.ts` (framing, deadlines, per-address and global caps
 * with idle eviction, zone transfer streams) inside TLS 1.2+ with ALPN `dot`
 * (RFC 7858 §3.1 port 853, ALPN id registered by RFC 8310 §11). The caps
 * apply to the TCP connection before the handshake, and the handshake must
 * finish within the message deadline, so unauthenticated handshakes cannot
 * hold slots. Answers carry edns-tcp-keepalive (RFC 7828) and are padded to
 * a multiple of 468 octets (RFC 8467 §4.1) when the query asks.
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import type { DnsService } from "../dns_service.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import { keepaliveTimeout, RESPONSE_PADDING_BLOCK } from "../../../packages/core/wire/edns.ts";
import { TcpConnectionPolicy, type TcpOptions } from "./tcp_connection_policy.ts";
import { bindConnectionServer, nodePeer, type TcpListener } from "./tcp.ts";
import type { CertificatePair } from "./tls_certificate.ts";

/** The ALPN protocol id of DNS over TLS. */
export const DOT_ALPN = "dot";

/** Binds DoT on host:port with the pair's current certificate for each new connection. */
export function listenDot(
  service: DnsService,
  host: string,
  port: number,
  limits: TcpOptions,
  certificate: CertificatePair,
  logger: Logger,
): Promise<TcpListener> {
  const policy = new TcpConnectionPolicy(service, {
    ...limits,
    edns: { keepalive: keepaliveTimeout(limits.idleTimeoutMs), padBlock: RESPONSE_PADDING_BLOCK },
  });
  const server = net.createServer({ pauseOnConnect: false }, (raw) => {
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: certificate.context,
      ALPNProtocols: [DOT_ALPN],
    });
    socket.on("error", (e: Error & { code?: string }) => {
      // Handshake failures (old TLS versions, a client refusing our certificate) at debug:
      // they are the client's business, and a scanner must not flood the log.
      logger.debug("DoT connection failed", {
        remote: raw.remoteAddress,
        error: e.code ?? e.message,
      });
      socket.destroy();
    });
    raw.on("error", () => raw.destroy());
    const conn = policy.open(nodePeer(socket), raw.remoteAddress ?? "", true);
    if (!conn) {
      raw.destroy();
      return;
    }
    raw.setNoDelay(true);
    socket.once("secure", () => conn.ready());
    socket.on("data", (chunk: Uint8Array) => conn.receive(chunk));
    socket.on("close", () => conn.closed());
    raw.on("close", () => conn.closed());
  });
  return bindConnectionServer(server, policy, host, port);
}
