import assert from "node:assert/strict";
import net from "node:net";
import { bindOrFail, ListenError } from "./listen_error.ts";

Deno.test("bindOrFail: a real EADDRINUSE becomes a ListenError naming address, port and variable", async () => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
  const port = (holder.address() as net.AddressInfo).port;
  const second = net.createServer();
  try {
    const err = await bindOrFail(
      "DNS over TCP",
      "DMP_DNS_PORT",
      "127.0.0.1",
      port,
      new Promise<void>((resolve, reject) => {
        second.once("error", reject);
        second.listen(port, "127.0.0.1", () => resolve());
      }),
    ).then(() => undefined, (e) => e);
    assert.ok(err instanceof ListenError, String(err));
    assert.equal(
      err.message,
      `cannot listen for DNS over TCP on 127.0.0.1:${port}: address already in use (EADDRINUSE); ` +
        "set DMP_DNS_PORT to a free port",
    );
    assert.equal(err.port, port);
    assert.equal(err.variable, "DMP_DNS_PORT");
  } finally {
    second.close();
    await new Promise<void>((r) => holder.close(() => r()));
  }
});

Deno.test("ListenError: privileged and foreign addresses get their own reason; others keep theirs", () => {
  const e = (code: string | undefined, message = "boom") =>
    new ListenError(
      "ops HTTP",
      "DMP_NODE_HTTP_PORT",
      "192.0.2.1",
      80,
      Object.assign(new Error(message), { code }),
    )
      .message;
  assert.match(
    e("EACCES"),
    /192\.0\.2\.1:80: permission denied .*\(EACCES\); set DMP_NODE_HTTP_PORT/,
  );
  assert.match(e("EADDRNOTAVAIL"), /address not available on this host \(EADDRNOTAVAIL\)/);
  assert.match(
    e(undefined, "weird failure"),
    /: weird failure; set DMP_NODE_HTTP_PORT to a free port$/,
  );
});

Deno.test("bindOrFail: a successful bind passes the listener through", async () => {
  assert.equal(await bindOrFail("x", "DMP_DNS_PORT", "127.0.0.1", 1, Promise.resolve(42)), 42);
});
