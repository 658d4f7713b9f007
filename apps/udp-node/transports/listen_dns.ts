/**
 * Picks the DNS transports for the runtime the node runs on, as Hono picks
 * its adapter: `Deno.listenDatagram` / `Deno.listen` on Deno, node:dgram /
 * node:net on Node. Both TCP adapters share `tcp_connection_policy.ts`, so
 * the limits are the same on either runtime.
 *
 * @module
 */

import type { DnsService } from "../dns_service.ts";
import { listenTcp, type TcpListener, type TcpOptions } from "./tcp.ts";
import { listenTcpDeno } from "./tcp_deno.ts";
import { listenUdp, type UdpIoChoice, type UdpListener } from "./udp.ts";
import { denoDatagramAvailable, listenUdpDeno } from "./udp_deno.ts";
import { bindOrFail } from "./listen_error.ts";

/** Which transport implementation serves DNS. */
export type DnsTransportRuntime = "deno" | "node";

/** The runtime's transports: Deno's own when running on Deno, else Node's. */
export function dnsTransportRuntime(): DnsTransportRuntime {
  return "Deno" in globalThis ? "deno" : "node";
}

/** The bound UDP and TCP listeners of a node. */
export interface DnsListeners {
  runtime: DnsTransportRuntime;
  udp: UdpListener;
  tcp: TcpListener;
}

/**
 * Binds UDP on host:port and TCP on the same port (0 picks one for both).
 * On Deno without `--unstable-net` it fails with the flag to add rather than
 * fall back to node:dgram, which is ~50× slower there. `udpIo` (DMP_DNS_UDP_IO)
 * picks Node's UDP I/O; Deno has one.
 */
export async function listenDns(
  service: DnsService,
  host: string,
  port: number,
  tcpOptions: TcpOptions,
  udpIo: UdpIoChoice = "auto",
): Promise<DnsListeners> {
  const runtime = dnsTransportRuntime();
  if (runtime === "deno" && !denoDatagramAvailable()) {
    throw new Error(
      "Cannot listen on UDP under Deno: run with --unstable-net (deno task dmp sets it)",
    );
  }
  // A bind failure is a ListenError naming the listener, the port and DMP_DNS_PORT.
  const udp = await bindOrFail(
    "DNS over UDP",
    "DMP_DNS_PORT",
    host,
    port,
    runtime === "deno" ? listenUdpDeno(service, host, port) : listenUdp(service, host, port, udpIo),
  );
  try {
    const tcp = await bindOrFail(
      "DNS over TCP",
      "DMP_DNS_PORT",
      host,
      udp.port,
      runtime === "deno"
        ? listenTcpDeno(service, host, udp.port, tcpOptions)
        : listenTcp(service, host, udp.port, tcpOptions),
    );
    return { runtime, udp, tcp };
  } catch (e) {
    await udp.close();
    throw e;
  }
}
