/**
 * A stack starts whole or not at all (issue 10): with one of its ports taken,
 * `npm start` says which port and which variable or flag moves it, never
 * prints "up", exits non-zero, and leaves no process (node, sqld) behind and
 * no port of its own bound.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import {
  freePortPair,
  freshCheckout,
  npmStart,
  processesIn,
  userEnv,
} from "../_support/fresh_checkout.ts";
import { waitFor } from "../_support/node_process.ts";

async function udpFree(port: number): Promise<boolean> {
  const u = dgram.createSocket("udp4");
  const ok = await new Promise<boolean>((resolve) => {
    u.once("error", () => resolve(false));
    u.bind(port, "127.0.0.1", () => resolve(true));
  });
  await new Promise<void>((r) => u.close(() => r()));
  return ok;
}

function tcpFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

async function startWithTaken(
  args: string[],
  take: (ports: { dns: number; http: number; ops: number; sqld: number }) => Promise<() => void>,
  expect: (ports: { dns: number; http: number; ops: number; sqld: number }) => RegExp[],
) {
  const dir = await freshCheckout();
  const ports = {
    dns: await freePortPair(),
    http: await freePortPair(),
    ops: await freePortPair(),
    sqld: await freePortPair(),
  };
  const release = await take(ports);
  const stack = npmStart(dir, [...args, "--sqld-port", String(ports.sqld)], {
    ...userEnv(dir),
    DMP_DNS_PORT: String(ports.dns),
    DMP_HTTP_PORT: String(ports.http),
    DMP_NODE_HTTP_PORT: String(ports.ops),
  });
  let status: Deno.CommandStatus | undefined;
  try {
    const timer = setTimeout(() => stack.child.kill("SIGKILL"), 60_000);
    status = await stack.done;
    clearTimeout(timer);
  } finally {
    release();
  }
  const out = stack.output();
  assert.notEqual(status.code, 0, out);
  assert.doesNotMatch(out, /is up|Try:/, out);
  assert.doesNotMatch(out, /EADDRINUSE.*\n\s+at /, "a raw stack trace:\n" + out);
  for (const re of expect(ports)) assert.match(out, re);
  assert.ok(
    await waitFor(async () => (await processesIn(dir)).length === 0, 10_000),
    [
      "left running:",
      ...(await processesIn(dir)),
    ].join("\n"),
  );
  // Nothing of the stack still holds its ports.
  assert.ok(await udpFree(ports.dns), "DNS port still bound");
  assert.ok(tcpFree(ports.ops), "ops port still bound");
  assert.ok(tcpFree(ports.sqld), "sqld port still bound");
  await Deno.remove(dir, { recursive: true });
}

Deno.test({
  name: "npm start with the edge API's port taken: clear error naming DMP_HTTP_PORT, nothing left",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    startWithTaken([], ({ http }) => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: http });
      return Promise.resolve(() => l.close());
    }, ({ http }) => [new RegExp(`127\\.0\\.0\\.1:${http}/tcp \\(edge API\\)`), /DMP_HTTP_PORT/]),
});

Deno.test({
  name: "npm start -- --sqld with node 2's DNS port taken: names it, no sqld or node left",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    startWithTaken(
      ["--sqld"],
      async ({ dns }) => {
        const u = dgram.createSocket("udp4");
        await new Promise<void>((r) => u.bind(dns + 1, "127.0.0.1", () => r()));
        return () => u.close();
      },
      (
        { dns },
      ) => [new RegExp(`127\\.0\\.0\\.1:${dns + 1}/udp \\(DNS of node 2\\)`), /DMP_DNS_PORT/],
    ),
});

Deno.test({
  name: "npm start -- --sqld with sqld's port taken: names --sqld-port, nothing left",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    startWithTaken(["--sqld"], ({ sqld }) => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: sqld });
      return Promise.resolve(() => l.close());
    }, ({ sqld }) => [new RegExp(`127\\.0\\.0\\.1:${sqld}/tcp \\(sqld\\)`), /--sqld-port/]),
});

Deno.test({
  name: "npm start -- --sqld whose edge fails after sqld and the nodes started: all stopped",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await freshCheckout();
    const [dns, http, ops, sqld] = [
      await freePortPair(),
      await freePortPair(),
      await freePortPair(),
      await freePortPair(),
    ];
    // Open auth on a public bind is refused by the edge's boot, after sqld and both nodes are up.
    const stack = npmStart(dir, ["--sqld", "--sqld-port", String(sqld)], {
      ...userEnv(dir),
      DMP_DNS_PORT: String(dns),
      DMP_HTTP_PORT: String(http),
      DMP_NODE_HTTP_PORT: String(ops),
      DMP_AUTH_MODE: "open",
      DMP_HTTP_HOST: "0.0.0.0",
    });
    const timer = setTimeout(() => stack.child.kill("SIGKILL"), 60_000);
    const status = await stack.done;
    clearTimeout(timer);
    const out = stack.output();
    assert.notEqual(status.code, 0, out);
    assert.match(out, /DMP node up[\s\S]*DMP node up/, "both nodes had started:\n" + out);
    assert.match(out, /auth mode is open/);
    assert.doesNotMatch(out, /is up|Try:/);
    assert.ok(
      await waitFor(async () => (await processesIn(dir)).length === 0, 10_000),
      (await processesIn(dir)).join("\n"),
    );
    assert.ok(await udpFree(dns) && await udpFree(dns + 1) && tcpFree(sqld), "a port still bound");
    await Deno.remove(dir, { recursive: true });
  },
});
