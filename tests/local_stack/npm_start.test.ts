/**
 * The README's first command: `dmp start` (what `npm start` runs) brings up the
 * edge API and a udp-node on one file database with a demo zone, and SIGINT
 * stops both cleanly.
 */
import assert from "node:assert/strict";
import { dig, txtJoin } from "../_support/dig.ts";
import { freePort, waitFor } from "../_support/node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "dmp start serves the demo zone over DNS and the edge API, and stops on SIGINT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "dmp-start-" });
    const [dns, http, ops] = [await freePort(), await freePort(), await freePort()];
    const child = new Deno.Command("node", {
      args: [`${ROOT}bin/dmp.mjs`, "start"],
      cwd: ROOT,
      env: {
        DMP_DATA_DIR: dataDir,
        DMP_DNS_PORT: String(dns),
        DMP_HTTP_PORT: String(http),
        DMP_NODE_HTTP_PORT: String(ops),
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let out = "";
    const reading = (async () => {
      for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) out += c;
    })();
    const errReading = (async () => {
      for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) out += c;
    })();
    try {
      assert.ok(await waitFor(() => out.includes("Ctrl-C stops the stack"), 20000), out);
      // DMP_DATA_DIR is honoured (the files below are there) and not reported as unsupported.
      assert.doesNotMatch(out, /unsupported variable/);
      const d = await dig(dns, "hello.demo.dmp.test", "TXT");
      assert.equal(txtJoin(d.answer[0].data), "v=dmp1;t=demo;hello from dmp-edge");
      assert.ok(
        await waitFor(async () => {
          try {
            const r = await fetch(`http://127.0.0.1:${http}/health`);
            return r.ok && (await r.json()).status === "ok";
          } catch {
            return false;
          }
        }, 15000),
        out,
      );
      const token = (await Deno.readTextFile(`${dataDir}/operator-token`)).trim();
      const zones = await fetch(`http://127.0.0.1:${http}/v1/admin/zones`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.match(await zones.text(), /demo\.dmp\.test/);
    } finally {
      child.kill("SIGINT");
      const status = await child.status;
      await Promise.all([reading, errReading]);
      assert.equal(status.code, 0, out);
      assert.match(out, /DMP node stopped/);
    }
  },
});
