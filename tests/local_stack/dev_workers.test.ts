/**
 * `npm run dev:workers` (issue 10): the edge API in workerd through Miniflare,
 * on an HTTP database; a request answers from the database, the operator
 * token binding works, a local stack without sqld gets a clear refusal, and
 * SIGTERM to npm leaves no workerd behind.
 */
import assert from "node:assert/strict";
import { startSqld } from "../_support/sqld.ts";
import { freePort, waitFor } from "../_support/node_process.ts";
import { processesIn, userEnv } from "../_support/fresh_checkout.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test({
  name: "npm run dev:workers serves the edge API from workerd and stops with npm",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sqld = await startSqld();
    const port = await freePort();
    const dataDir = await Deno.makeTempDir();
    const token = "t".repeat(32);
    const run = (() => {
      const child = new Deno.Command("npm", {
        args: ["run", "dev:workers", "--", "--port", String(port)],
        cwd: ROOT,
        env: {
          ...userEnv(ROOT),
          DMP_DATA_DIR: dataDir,
          DMP_DB_URL: sqld.url,
          DMP_OPERATOR_TOKEN: token,
        },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let out = "";
      const pump = async (s: ReadableStream<Uint8Array>) => {
        for await (const c of s.pipeThrough(new TextDecoderStream())) out += c;
      };
      const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
      return { child, out: () => out, done: child.status.then(async (s) => (await pumps, s)) };
    })();
    const workerd = async () =>
      (await processesIn("/")).filter((p) => p.includes(`127.0.0.1:${port}`));
    try {
      assert.ok(await waitFor(() => run.out().includes("Ctrl-C stops it"), 90_000), run.out());
      assert.ok((await workerd()).some((p) => /workerd/.test(p)), "no workerd process");
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.deepEqual(await health.json(), { status: "ok" });
      const zones = await fetch(`http://127.0.0.1:${port}/v1/admin/zones`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(zones.status, 200);
      assert.ok(Array.isArray((await zones.json()).zones));
      const denied = await fetch(`http://127.0.0.1:${port}/v1/admin/zones`, {
        headers: { authorization: "Bearer wrong" },
      });
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
    } finally {
      run.child.kill("SIGTERM");
      await run.done;
      assert.ok(await waitFor(async () => (await workerd()).length === 0, 10_000), "workerd left");
      await sqld.stop();
    }
  },
});

Deno.test({
  name: "npm run dev:workers on a file-mode stack says workerd needs npm start -- --sqld",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dataDir}/stack.json`,
      JSON.stringify({ dbUrl: `file:${dataDir}/dmp.db`, mode: "file" }),
    );
    const out = await new Deno.Command("npm", {
      args: ["run", "dev:workers"],
      cwd: ROOT,
      env: { ...userEnv(ROOT), DMP_DATA_DIR: dataDir },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    assert.notEqual(out.code, 0);
    assert.match(text, /workerd reaches a database over HTTP only/);
    assert.match(text, /npm start -- --sqld/);
  },
});

Deno.test({
  name: "npm run dev:workers on a taken port names it and --port, without workerd's trace",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    try {
      const out = await new Deno.Command("npm", {
        args: ["run", "dev:workers", "--", "--port", String(port)],
        cwd: ROOT,
        env: { ...userEnv(ROOT), DMP_DB_URL: "http://127.0.0.1:1" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assert.notEqual(out.code, 0);
      assert.match(text, new RegExp(`port 127\\.0\\.0\\.1:${port} is not free.*--port N`));
      assert.doesNotMatch(text, /kj::Exception|Fatal/);
    } finally {
      l.close();
    }
  },
});
