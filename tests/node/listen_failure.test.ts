/**
 * `dmp node` with a port it cannot bind (issue 12): it used to log
 * `listen EADDRINUSE` and keep running, so systemd saw a healthy unit serving
 * nothing. Now each listener's bind failure is fatal: exit status 1 within a
 * bound time, one line naming the address, the protocol and the variable that
 * moves the port, never "DMP node up", and nothing of the node left bound.
 * Real `node bin/dmp.mjs node` and `deno run bin/dmp_deno.ts node` processes,
 * with the port held by this test over a real socket.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { freePort, freshDatabase } from "../_support/node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `dmp node` to its end (SIGKILL after 30 s: a node still running fails the test). */
async function runNode(
  runtime: "node" | "deno",
  env: Record<string, string>,
): Promise<{ code: number; out: string; killed: boolean }> {
  const db = await freshDatabase();
  db.client.close();
  const [cmd, args] = runtime === "node"
    ? ["node", [`${ROOT}bin/dmp.mjs`, "node"]]
    : [`${ROOT}node_modules/.bin/deno`, ["run", "-A", `${ROOT}bin/dmp_deno.ts`, "node"]];
  const child = new Deno.Command(cmd, {
    args,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      DMP_DB_URL: db.url,
      DMP_DNS_HOST: "127.0.0.1",
      DMP_NODE_HTTP_HOST: "127.0.0.1",
      ...env,
    },
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, 30_000);
  const r = await child.output();
  clearTimeout(timer);
  await Deno.remove(db.dir, { recursive: true });
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr), killed };
}

function tcpFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

async function udpFree(port: number): Promise<boolean> {
  const u = dgram.createSocket("udp4");
  const ok = await new Promise<boolean>((resolve) => {
    u.once("error", () => resolve(false));
    u.bind(port, "127.0.0.1", () => resolve(true));
  });
  await new Promise<void>((r) => u.close(() => r()));
  return ok;
}

async function holdUdp(port: number): Promise<() => Promise<void>> {
  const u = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    u.once("error", reject);
    u.bind(port, "127.0.0.1", () => resolve());
  });
  return () => new Promise<void>((r) => u.close(() => r()));
}

function assertFatal(
  r: { code: number; out: string; killed: boolean },
  expect: RegExp,
): void {
  assert.equal(r.killed, false, "still running after 30 s:\n" + r.out);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, expect);
  assert.doesNotMatch(r.out, /DMP node up/, r.out);
  assert.doesNotMatch(r.out, /\n\s+at /, "a raw stack trace:\n" + r.out);
}

for (const runtime of ["node", "deno"] as const) {
  Deno.test(`dmp node (${runtime}): DNS port taken on UDP → exit 1 naming DMP_DNS_PORT`, async () => {
    const dns = await freePort();
    const ops = await freePort();
    const release = await holdUdp(dns);
    let r;
    try {
      r = await runNode(runtime, { DMP_DNS_PORT: String(dns), DMP_NODE_HTTP_PORT: String(ops) });
    } finally {
      await release();
    }
    assertFatal(
      r,
      new RegExp(
        `dmp node: cannot listen for DNS over UDP on 127\\.0\\.0\\.1:${dns}: ` +
          `address already in use \\(EADDRINUSE\\); set DMP_DNS_PORT to a free port`,
      ),
    );
    // Nothing of the node's stays bound (its ops port was never opened).
    assert.ok(tcpFree(ops), "ops port bound after the failure");
  });
}

Deno.test("dmp node: DNS port taken on TCP only → exit 1, the UDP socket it had bound is closed", async () => {
  const dns = await freePort();
  const holder = Deno.listen({ hostname: "127.0.0.1", port: dns });
  let r;
  try {
    r = await runNode("node", { DMP_DNS_PORT: String(dns), DMP_NODE_HTTP_PORT: "0" });
  } finally {
    holder.close();
  }
  assertFatal(
    r,
    new RegExp(`cannot listen for DNS over TCP on 127\\.0\\.0\\.1:${dns}: .*set DMP_DNS_PORT`),
  );
  assert.ok(await udpFree(dns), "the node's UDP socket outlived it");
});

Deno.test("dmp node: ops HTTP port taken → exit 1 naming DMP_NODE_HTTP_PORT", async () => {
  const dns = await freePort();
  const ops = await freePort();
  const holder = Deno.listen({ hostname: "127.0.0.1", port: ops });
  let r;
  try {
    r = await runNode("node", { DMP_DNS_PORT: String(dns), DMP_NODE_HTTP_PORT: String(ops) });
  } finally {
    holder.close();
  }
  assertFatal(
    r,
    new RegExp(
      `cannot listen for ops HTTP \\(health, metrics, DoH\\) on 127\\.0\\.0\\.1:${ops}: ` +
        `address already in use \\(EADDRINUSE\\); set DMP_NODE_HTTP_PORT to a free port`,
    ),
  );
  assert.ok(await udpFree(dns), "DNS UDP port still bound");
  assert.ok(tcpFree(dns), "DNS TCP port still bound");
});
