import assert from "node:assert/strict";
import type { DnsService } from "../dns_service.ts";
import { dnsTransportRuntime, listenDns } from "./listen_dns.ts";

const tcpOptions = {
  idleTimeoutMs: 1000,
  messageTimeoutMs: 1000,
  maxConnections: 4,
  maxPerAddress: 2,
};
// Binding fails before any message arrives: the service is never called.
const service = {} as DnsService;

Deno.test("listenDns() picks Deno's transports on Deno", async () => {
  assert.equal(dnsTransportRuntime(), "deno");
  const l = await listenDns(service, "127.0.0.1", 0, tcpOptions);
  try {
    assert.equal(l.runtime, "deno");
    assert.ok(l.udp.port > 0 && l.tcp.port === l.udp.port);
  } finally {
    await l.udp.close();
    await l.tcp.close();
  }
});

Deno.test("listenDns() reports a taken port as a ListenError with EADDRINUSE, the address and the variable", async () => {
  const taken = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(listenDns(service, "127.0.0.1", port, tcpOptions), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "EADDRINUSE");
      assert.match(
        String((e as Error).message),
        new RegExp(
          `DNS over UDP on 127\\.0\\.0\\.1:${port}: address already in use \\(EADDRINUSE\\); set DMP_DNS_PORT`,
        ),
      );
      return true;
    });
  } finally {
    taken.close();
  }
});
