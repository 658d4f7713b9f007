/**
 * `POST /v1/heartbeat` and the directory read routes (brief §4.7, §4.10;
 * issue 6), on Node and Deno over a `file:` database and on workerd over
 * sqld: verified wires are stored and answered with other operators' wires;
 * forged, expired, replayed-old and oversized wires are refused with the
 * reference's 400 bodies; the legacy `/v1/nodes/seen` and the version-2
 * feed carry the stored wires; responses carry cache headers; the submit
 * bucket answers 429.
 */
import assert from "node:assert/strict";
import {
  CARRIERS,
  type DirectoryEdge,
  forge,
  heartbeatWire,
  newOperator,
  startDirectoryEdge,
  stopSharedSqld,
} from "./_fixtures.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ENV = {
  DMP_DIRECTORY_ENABLED: "1",
  DMP_OPERATOR_TOKEN: "directory-test-operator-token",
  DMP_TRUSTED_PROXY_HEADER: "x-forwarded-for",
  DMP_LOG_LEVEL: "ERROR",
  DMP_NODE_HOSTNAME: "directory.test.example",
};
const FEED_NODE_KEYS = [
  "endpoint",
  "exp",
  "geo",
  "host",
  "last_seen_via",
  "operator_spk_hex",
  "ts",
  "version",
  "wire",
];

let ipCounter = 0;
const ipBase = Math.floor(Math.random() * 200);
function nextIp(): string {
  ipCounter++;
  return `10.${ipBase}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

async function post(
  edge: DirectoryEdge,
  body: string,
  ip = nextIp(),
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${edge.url}/v1/heartbeat`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body,
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const postWire = (edge: DirectoryEdge, wire: string, ip?: string) =>
  post(edge, JSON.stringify({ wire }), ip);

async function getJson(edge: DirectoryEdge, path: string) {
  const res = await fetch(`${edge.url}${path}`, { headers: { "x-forwarded-for": nextIp() } });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const VERIFICATION_FAILED = "heartbeat verification failed";

for (const carrier of CARRIERS) {
  Deno.test({
    name: `POST /v1/heartbeat and the directory feeds on ${carrier}`,
    ...opts,
    async fn(t) {
      const edge = await startDirectoryEdge(carrier, ENV);
      const tag = Math.random().toString(36).slice(2, 8);
      const a = await newOperator();
      const b = await newOperator();
      const now = Math.floor(Date.now() / 1000);
      const wireA = await heartbeatWire(a, {
        endpoint: `https://a-${tag}.example`,
        zone: `a-${tag}.mesh.test`,
        ts: now - 30,
      });
      const wireB = await heartbeatWire(b, {
        endpoint: `https://b-${tag}.example`,
        zone: `b-${tag}.mesh.test`,
      });
      try {
        await t.step("a verified wire is accepted (brief §4.7 answer shape)", async () => {
          const r = await postWire(edge, wireA);
          assert.equal(r.status, 200, JSON.stringify(r.json));
          assert.equal(r.json.ok, true);
          assert.equal(r.json.accepted_operator_spk_hex, a.spkHex);
          assert.ok(Array.isArray(r.json.seen));
          assert.ok(!(r.json.seen as string[]).includes(wireA), "never echoes the submitter");
          assert.equal(r.headers.get("cache-control"), "no-store");
        });

        await t.step("the answer carries other operators' wires (≤ 10)", async () => {
          const r = await postWire(edge, wireB);
          assert.equal(r.status, 200);
          const seen = r.json.seen as string[];
          assert.ok(seen.length <= 10);
          assert.ok(seen.includes(wireA));
          assert.ok(!seen.includes(wireB));
        });

        await t.step("a forged wire is refused", async () => {
          const r = await postWire(edge, forge(wireB));
          assert.equal(r.status, 400);
          assert.equal(r.json.error, VERIFICATION_FAILED);
        });

        await t.step("an expired wire is refused", async () => {
          const expired = await heartbeatWire(a, {
            endpoint: `https://expired-${tag}.example`,
            zone: `a-${tag}.mesh.test`,
            ts: now - 120,
            exp: now - 1,
          });
          const r = await postWire(edge, expired);
          assert.equal(r.status, 400);
          assert.equal(r.json.error, VERIFICATION_FAILED);
          assert.equal(r.json.reason, "expired");
        });

        await t.step("a replayed older wire (ts below the stored one) is refused", async () => {
          const older = await heartbeatWire(a, {
            endpoint: `https://a-${tag}.example`,
            zone: `a-${tag}.mesh.test`,
            ts: now - 90,
          });
          const r = await postWire(edge, older);
          assert.equal(r.status, 400);
          assert.equal(r.json.error, VERIFICATION_FAILED);
          // The newer wire is still the one served.
          const seen = await getJson(edge, "/v1/nodes/seen");
          const wires = (seen.json.seen as { wire: string }[]).map((s) => s.wire);
          assert.ok(wires.includes(wireA) && !wires.includes(older));
          // The same wire again (equal ts) is accepted: ts ≥ stored (brief §4.5).
          assert.equal((await postWire(edge, wireA)).status, 200);
        });

        await t.step("oversized wires and bodies are refused", async () => {
          const long = "v=dmp1;t=heartbeat;" + "A".repeat(1300);
          const r = await postWire(edge, long);
          assert.equal(r.status, 400);
          assert.equal(r.json.error, VERIFICATION_FAILED);
          assert.equal(r.json.reason, "wire too long");
          const huge = await postWire(edge, "v=dmp1;t=heartbeat;" + "A".repeat(20000));
          // A body over 16 KiB is a 413 on every JSON route (issue 10; was a 400 here).
          assert.equal(huge.status, 413);
          assert.equal(huge.json.error, "body exceeds 16384 bytes", "body over 16 KiB");
        });

        await t.step("a missing or non-string wire is a 400 naming the field", async () => {
          for (const body of ["{}", '{"wire": 5}', "not json", "[]"]) {
            const r = await post(edge, body);
            assert.equal(r.status, 400, body);
            assert.equal(r.json.error, "wire (string) required");
          }
        });

        await t.step("GET /v1/nodes/seen has the reference's legacy shape", async () => {
          const r = await getJson(edge, "/v1/nodes/seen");
          assert.equal(r.status, 200);
          assert.equal(r.json.version, 1);
          assert.deepEqual(r.json.self, {
            endpoint: "https://directory.test.example",
            operator_spk_hex: "",
            enabled: true,
          });
          const wires = (r.json.seen as { wire: string }[]).map((s) => s.wire);
          assert.ok(wires.indexOf(wireB) >= 0 && wires.indexOf(wireB) < wires.indexOf(wireA));
          assert.match(r.headers.get("cache-control") ?? "", /max-age=60/);
        });

        await t.step("GET /v1/directory/feed.json has the version-2 shape", async () => {
          const r = await getJson(edge, "/v1/directory/feed.json");
          assert.equal(r.status, 200);
          assert.deepEqual(Object.keys(r.json).sort(), [
            "generated_at",
            "node_count",
            "nodes",
            "resolvers",
            "seen_edges",
            "version",
          ]);
          assert.equal(r.json.version, 2);
          assert.equal(r.json.node_count, r.json.nodes.length);
          assert.deepEqual(r.json.resolvers, []);
          const node = r.json.nodes.find((n: { wire: string }) => n.wire === wireA);
          assert.ok(node);
          assert.deepEqual(Object.keys(node).sort(), FEED_NODE_KEYS);
          assert.equal(node.operator_spk_hex, a.spkHex);
          assert.equal(node.endpoint, `https://a-${tag}.example`);
          assert.equal(node.ts, now - 30);
          assert.deepEqual(node.last_seen_via, []);
          assert.equal(node.geo, null);
          assert.match(r.headers.get("cache-control") ?? "", /max-age=60/);
        });

        await t.step("the submit bucket (1/s, burst 30) answers 429", async () => {
          const ip = nextIp();
          let limited = 0;
          for (let i = 0; i < 40 && limited === 0; i++) {
            const r = await postWire(edge, wireA, ip);
            if (r.status === 429) limited++;
          }
          assert.equal(limited, 1);
        });
      } finally {
        await edge.stop();
      }
    },
  });
}

Deno.test.afterAll(stopSharedSqld);
