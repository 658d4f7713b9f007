import assert from "node:assert/strict";
import { runModuleUnder } from "../../tests/_support/node_process.ts";
import { isLoopbackUrl, primaryFetch } from "./primary_fetch.ts";

Deno.test("a primary at a loopback address is asked for uncompressed answers; others keep fetch's default", () => {
  for (
    const url of [
      "http://127.0.0.1:8080",
      "libsql://localhost:8080",
      "http://[::1]:8080",
      "https://127.9.0.1",
    ]
  ) {
    assert.ok(isLoopbackUrl(url), url);
    assert.ok(primaryFetch(url), url);
  }
  for (
    const url of [
      "libsql://db-org.turso.io",
      "http://10.0.0.2:8080",
      "http://127.0.0.1.example.com",
      "not a url",
    ]
  ) {
    assert.equal(isLoopbackUrl(url), false, url);
    assert.equal(primaryFetch(url), undefined, url);
  }
});

/** A server on 127.0.0.1 answering each request with the Accept-Encoding it got. */
function echoAcceptEncoding(): { url: string; close(): Promise<void> } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      await req.body?.cancel();
      return new Response(req.headers.get("accept-encoding") ?? "(none)");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/v2/pipeline`,
    close: () => server.shutdown(),
  };
}

Deno.test("the loopback fetch sends Accept-Encoding: identity and keeps the request (Deno)", async () => {
  const echo = echoAcceptEncoding();
  try {
    const plain = await fetch(echo.url, { method: "POST", body: "{}" });
    assert.notEqual(await plain.text(), "identity", "fetch's default asks for compression");
    const f = primaryFetch(echo.url)!;
    // As @libsql/hrana-client calls it: one Request with its own headers and body.
    const r = await f(
      new Request(echo.url, { method: "POST", body: "{}", headers: { authorization: "Bearer t" } }),
    );
    assert.equal(await r.text(), "identity");
  } finally {
    await echo.close();
  }
});

Deno.test("the loopback fetch sends Accept-Encoding: identity under Node (the node's runtime)", async () => {
  const echo = echoAcceptEncoding();
  try {
    const script = `
      import { primaryFetch } from "./apps/udp-node/primary_fetch.ts";
      const r = await primaryFetch(${JSON.stringify(echo.url)})(
        new Request(${JSON.stringify(echo.url)}, { method: "POST", body: "{}" }),
      );
      console.log(await r.text());
    `;
    const out = await runModuleUnder("node", script);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "identity");
  } finally {
    await echo.close();
  }
});
