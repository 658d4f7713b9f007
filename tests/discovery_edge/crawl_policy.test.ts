/**
 * The crawl's input rules (issue 6; brief §4.4): which DoH URLs may be
 * configured, how seeds and heartbeats name zones, and what seed lists are
 * fetched (https only, no redirects, 64 KiB cap), checked against a real
 * local HTTP server.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../packages/core/config/env.ts";
import { isLoopbackHost, parseDohUrls } from "../../apps/edge-api/crawl/doh_url.ts";
import {
  fetchSeedList,
  SEED_LIST_MAX_BYTES,
  seedToZone,
  zoneOfHeartbeat,
} from "../../apps/edge-api/crawl/seed_list.ts";

Deno.test("parseDohUrls() takes https anywhere and http only on loopback unless allowed", () => {
  assert.equal(parseDohUrls(["https://dns.example/dns-query"], { allowHttp: false }).length, 1);
  for (
    const u of ["http://127.0.0.1:8080/dns-query", "http://[::1]/dns-query", "http://localhost/q"]
  ) {
    assert.equal(parseDohUrls([u], { allowHttp: false }).length, 1, u);
  }
  assert.throws(
    () => parseDohUrls(["http://10.0.0.1/dns-query"], { allowHttp: false }),
    (e) => e instanceof ConfigError && /DMP_DIRECTORY_DOH_URLS/.test(e.message),
  );
  assert.equal(parseDohUrls(["http://10.0.0.1/dns-query"], { allowHttp: true }).length, 1);
  assert.throws(() => parseDohUrls(["ftp://x.example/"], { allowHttp: true }), ConfigError);
  assert.throws(() => parseDohUrls(["https://u:p@x.example/"], { allowHttp: true }), ConfigError);
  assert.throws(() => parseDohUrls(["not a url"], { allowHttp: true }), ConfigError);
  assert.ok(isLoopbackHost("127.1.2.3") && !isLoopbackHost("128.0.0.1"));
});

Deno.test("seedToZone() and zoneOfHeartbeat() name zones as the reference (brief §4.4)", () => {
  assert.equal(seedToZone("DMP.Example.COM."), "dmp.example.com");
  assert.equal(seedToZone("https://dnsmesh.io:8443/x"), "dnsmesh.io");
  assert.equal(seedToZone("mesh.example:53"), "mesh.example");
  assert.equal(seedToZone("192.0.2.1"), "");
  assert.equal(seedToZone("bad zone"), "");
  assert.equal(
    zoneOfHeartbeat({ claimProviderZone: "", endpoint: "https://node.example:8443" }),
    "node.example",
  );
  assert.equal(zoneOfHeartbeat({ claimProviderZone: "", endpoint: "https://192.0.2.1" }), "");
  assert.equal(
    zoneOfHeartbeat({ claimProviderZone: "Z.Example", endpoint: "https://n.example" }),
    "z.example",
  );
});

Deno.test("fetchSeedList() refuses http, redirects and oversized lists; parses entries", async () => {
  assert.equal((await fetchSeedList("http://seeds.example/seeds.txt")).kind, "failed");
  assert.equal((await fetchSeedList("https://10.0.0.1/seeds.txt")).kind, "failed");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/seeds.txt") {
      return new Response("# public seeds\nDMP.One.Example\n\nhttps://two.example/x # legacy\n");
    }
    if (path === "/redirect") return Response.redirect("http://127.0.0.1:1/seeds.txt", 302);
    return new Response("a.example\n".repeat(SEED_LIST_MAX_BYTES / 10 + 10));
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    // Loopback http is a test-only allowance; production lists must be https.
    const ok = await fetchSeedList(`${base}/seeds.txt`, { allowLoopbackHttp: true });
    assert.deepEqual(ok, { kind: "ok", zones: ["dmp.one.example", "two.example"] });
    const redirected = await fetchSeedList(`${base}/redirect`, { allowLoopbackHttp: true });
    assert.deepEqual(redirected, { kind: "failed", reason: "http 302" });
    const big = await fetchSeedList(`${base}/big`, { allowLoopbackHttp: true });
    assert.deepEqual(big, { kind: "failed", reason: "seed list too large" });
  } finally {
    await server.shutdown();
  }
});
