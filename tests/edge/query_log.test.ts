/**
 * The query log end to end (issue 14): a udp-node on an embedded replica of
 * a real sqld samples every query (DMP_QUERY_LOG_SAMPLE=1) and ships them
 * through its storage worker; the edge, on Deno, Node and workerd, serves
 * them as JSON pages and as Server-Sent Events. Queries are sent with dig;
 * the log shows them with the client's /24 only, never the address. The
 * stream resumes after Last-Event-ID, a hostile name cannot add fields to
 * it, a principal cannot hold more streams than DMP_QUERY_LOG_MAX_STREAMS
 * (a disconnect frees the slot), and a stream ends by itself after
 * DMP_QUERY_LOG_STREAM_SECONDS. TSIG keys get a last-used time when a node
 * verifies an UPDATE (nsupdate) or an AXFR (dig) signed with them.
 */
import assert from "node:assert/strict";
import { dig, run } from "../_support/dig.ts";
import { type EdgeProcess, type EdgeRuntime, startEdge } from "../_support/edge_process.ts";
import {
  type NodeProcess,
  replicaNodeOptions,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { type SqldProcess, startSqld } from "../_support/sqld.ts";
import { BASE_ENV, OPERATOR_TOKEN } from "./_targets.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const STREAM_SECONDS = 6;

let sqld: SqldProcess | undefined;
let node: NodeProcess | undefined;

async function shared(): Promise<{ sqld: SqldProcess; node: NodeProcess }> {
  sqld ??= await startSqld();
  if (!node) {
    const dir = await Deno.makeTempDir({ prefix: "dmp-qlog-node-" });
    node = await startNodeProcess(replicaNodeOptions(sqld, dir, {
      DMP_DB_SYNC_INTERVAL: "0.3",
      DMP_QUERY_LOG_SAMPLE: "1",
      DMP_QUERY_LOG_MAX_PER_SECOND: "1000",
      DMP_QUERY_LOG_FLUSH_INTERVAL: "0.3",
      DMP_DNS_UPDATE_ENABLED: "1",
      DMP_TSIG_SECRET_KEY: BASE_ENV.DMP_TSIG_SECRET_KEY,
      DMP_NODE_HOSTNAME: "qlog-node.test",
    }));
  }
  return { sqld, node };
}

Deno.test.afterAll(async () => {
  await node?.stop();
  await sqld?.stop();
});

interface Entry {
  id: number;
  node: string;
  name: string;
  type: string;
  outcome: string;
  rcode_name: string;
  latency_us: number;
  transport: string;
  client: string;
}

/** An SSE reader over fetch: collects events until told to stop. */
function openStream(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const events: { id?: string; event: string; data: string }[] = [];
  let raw = "";
  let status = 0;
  let ended = false;
  const done = (async () => {
    const res = await fetch(url, { headers, signal: ac.signal });
    status = res.status;
    if (!res.body) return;
    const dec = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body) {
        const text = dec.decode(chunk, { stream: true });
        raw += text;
        buf += text;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const e: { id?: string; event: string; data: string } = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            const m = /^([a-z]+): ?(.*)$/.exec(line);
            if (!m) continue;
            if (m[1] === "data") data.push(m[2]);
            else if (m[1] === "event") e.event = m[2];
            else if (m[1] === "id") e.id = m[2];
          }
          e.data = data.join("\n");
          if (data.length) events.push(e);
        }
      }
    } catch { /* aborted */ }
    ended = true;
  })();
  return {
    events,
    raw: () => raw,
    status: () => status,
    ended: () => ended,
    entries: () =>
      events.filter((e) => e.event === "query").map((e) => JSON.parse(e.data) as Entry),
    async close() {
      ac.abort();
      await done.catch(() => {});
    },
    done,
  };
}

async function runQueryLog(runtime: EdgeRuntime): Promise<void> {
  const { sqld, node } = await shared();
  const edge: EdgeProcess = await startEdge({
    runtime,
    env: {
      ...BASE_ENV,
      DMP_DB_URL: sqld.url,
      DMP_QUERY_LOG_STREAM_SECONDS: String(STREAM_SECONDS),
      DMP_QUERY_LOG_MAX_STREAMS: "2",
    },
  });
  const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  const api = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${edge.url}${path}`, {
      ...init,
      headers: { ...auth, "content-type": "application/json" },
    });
    return { status: r.status, json: await r.json() };
  };
  const zone = `qlog-${runtime}.test`;
  const streams: ReturnType<typeof openStream>[] = [];
  try {
    const made = await api("/v1/admin/zones", {
      method: "POST",
      body: JSON.stringify({ name: zone, apex_ns: [`ns1.${zone}`], apex_a: ["192.0.2.1"] }),
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    for (const [name, type, value] of [["www", "A", "192.0.2.10"], ["mail", "TXT", "hi"]]) {
      const r = await api(`/v1/admin/zones/${zone}/records`, {
        method: "POST",
        body: JSON.stringify({ name: `${name}.${zone}`, type, value }),
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    assert.ok(
      await waitFor(
        async () => (await dig(node.dnsPort, `mail.${zone}`, "TXT")).answer.length > 0,
        10000,
      ),
      "the node serves the new zone",
    );

    // Unauthenticated and malformed requests.
    assert.equal((await fetch(`${edge.url}/v1/admin/query-log`)).status, 401);
    assert.equal((await fetch(`${edge.url}/v1/admin/query-log/stream`)).status, 401);
    const badLimit = await api("/v1/admin/query-log?limit=0");
    assert.equal(badLimit.status, 400);
    assert.match(badLimit.json.error, /^limit/);
    const badAfter = await fetch(`${edge.url}/v1/admin/query-log/stream`, {
      headers: { ...auth, "last-event-id": "1 event: x" },
    });
    assert.equal(badAfter.status, 400);
    await badAfter.body?.cancel();
    assert.equal((await api(`/v1/admin/query-log?node=${"n".repeat(65)}`)).status, 400);

    // A stream opened before the queries sees them arrive.
    const live = openStream(`${edge.url}/v1/admin/query-log/stream`, auth);
    streams.push(live);
    assert.ok(await waitFor(() => live.status() === 200, 10000), `stream status ${live.status()}`);
    const names = [`www.${zone}`, `nx-1.${zone}`, `over-tcp.${zone}`];
    await dig(node.dnsPort, names[0], "A");
    await dig(node.dnsPort, names[1], "AAAA");
    await dig(node.dnsPort, names[2], "TXT", ["+tcp"]);
    // Hostile: a label with a line break and markup, as an attacker would send it.
    const hostile = `evil\\010id:\\03299999\\010<b>x.${zone}`;
    await dig(node.dnsPort, hostile, "TXT");

    const byName = (list: Entry[], name: string) => list.find((e) => e.name === name);
    assert.ok(
      await waitFor(() => names.every((n) => byName(live.entries(), n)), 15000),
      `stream entries: ${JSON.stringify(live.entries().map((e) => e.name))}`,
    );
    const www = byName(live.entries(), names[0])!;
    assert.equal(www.type, "A");
    assert.equal(www.outcome, "noerror");
    assert.equal(www.rcode_name, "NOERROR");
    assert.equal(www.transport, "udp");
    assert.equal(www.node, `qlog-node.test:${node.dnsPort}`);
    const nx = byName(live.entries(), names[1])!;
    assert.equal(nx.rcode_name, "NXDOMAIN");
    assert.equal(nx.type, "AAAA");
    assert.equal(byName(live.entries(), names[2])!.transport, "tcp");
    // The hostile name arrives as one event's data, escaped by the node (RFC 1035 §5.1).
    assert.ok(
      await waitFor(
        () => live.entries().some((e) => e.name.startsWith("evil") && e.name.endsWith(zone)),
        10000,
      ),
    );
    const evil = live.entries().find((e) => e.name.startsWith("evil") && e.name.endsWith(zone))!;
    assert.equal(evil.name, `evil\\010id:\\03299999\\010<b>x.${zone}`);
    assert.ok(!live.raw().split("\n").some((l) => /^id: ?99999/.test(l)), "no injected id line");
    assert.ok(!live.events.some((e) => e.id === "99999"));
    for (const e of live.entries()) {
      assert.equal(e.client, "127.0.0.0/24", `client of ${e.name}`);
      assert.ok(Number.isInteger(e.latency_us) && e.latency_us >= 0);
    }
    assert.ok(!live.raw().includes("127.0.0.1"), "the stream never carries a client address");

    // The JSON page: the same rows, newest first, /24 only; paging by before_id.
    const page = await api(`/v1/admin/query-log?limit=500`);
    assert.equal(page.status, 200);
    const text = JSON.stringify(page.json);
    assert.ok(!text.includes("127.0.0.1"), "the page never carries a client address");
    const entries = page.json.entries as Entry[];
    for (const n of names) assert.ok(byName(entries, n), `page has ${n}`);
    assert.ok(entries.every((e, i) => i === 0 || e.id < entries[i - 1].id), "newest first");
    assert.ok(
      (page.json.nodes as { node: string }[]).some((n) => n.node === www.node),
      "the node is listed",
    );
    const two = await api(`/v1/admin/query-log?limit=2&node=${encodeURIComponent(www.node)}`);
    assert.equal(two.json.entries.length, 2);
    const older = await api(`/v1/admin/query-log?limit=2&before_id=${two.json.next_before_id}`);
    assert.ok(older.json.entries.every((e: Entry) => e.id < two.json.next_before_id));
    const otherNode = await api(`/v1/admin/query-log?node=nobody:53`);
    assert.deepEqual(otherNode.json.entries, []);

    // Resume: a reconnect with Last-Event-ID gets only what came after it.
    const cut = www.id;
    await live.close();
    streams.length = 0;
    const resumed = openStream(`${edge.url}/v1/admin/query-log/stream`, {
      ...auth,
      "last-event-id": String(cut),
    });
    streams.push(resumed);
    assert.ok(await waitFor(() => resumed.entries().some((e) => e.name === names[2]), 10000));
    assert.ok(resumed.entries().every((e) => e.id > cut), "nothing at or before Last-Event-ID");
    assert.equal(resumed.entries().filter((e) => e.name === names[0] && e.id === cut).length, 0);

    // Bounded lifetime: the stream ends by itself with an end event.
    assert.ok(
      await waitFor(() => resumed.ended(), (STREAM_SECONDS + 10) * 1000),
      "the stream ended by itself",
    );
    assert.ok(resumed.events.some((e) => e.event === "end"));
    assert.match(resumed.raw(), /^retry: \d+/m);

    // Stream cap: two per principal; a third is refused; a disconnect frees a slot (at once
    // on Deno and Node; under Miniflare the client's disconnect does not reach workerd, and
    // the slot comes back when the stream's lifetime ends, which bounds it everywhere).
    const first = openStream(`${edge.url}/v1/admin/query-log/stream`, auth);
    streams.push(first);
    assert.ok(await waitFor(() => first.status() === 200, 10000), `first: ${first.status()}`);
    const second = openStream(`${edge.url}/v1/admin/query-log/stream`, auth);
    streams.push(second);
    assert.ok(await waitFor(() => second.status() === 200, 10000), `second: ${second.status()}`);
    const third = await fetch(`${edge.url}/v1/admin/query-log/stream`, { headers: auth });
    assert.equal(third.status, 429);
    assert.match((await third.json()).error, /at most 2/);
    await second.close();
    let reopened: Response | undefined;
    assert.ok(
      await waitFor(async () => {
        const r = await fetch(`${edge.url}/v1/admin/query-log/stream`, { headers: auth });
        if (r.status === 200) {
          reopened = r;
          return true;
        }
        await r.body?.cancel();
        return false;
      }, (STREAM_SECONDS + 10) * 1000),
      "a closed stream frees its slot",
    );
    await reopened!.body?.cancel();
  } finally {
    for (const s of streams) await s.close();
    await edge.stop();
  }
}

Deno.test(
  { name: "query log: dig → node → sqld → edge JSON and SSE (deno)", ...opts },
  () => runQueryLog("deno"),
);
Deno.test(
  { name: "query log: dig → node → sqld → edge JSON and SSE (node)", ...opts },
  () => runQueryLog("node"),
);
Deno.test(
  { name: "query log: dig → node → sqld → edge JSON and SSE (workerd)", ...opts },
  () => runQueryLog("workerd"),
);

Deno.test({
  name: "TSIG keys' last use is recorded when a node verifies an UPDATE (nsupdate) or AXFR (dig)",
  ...opts,
}, async () => {
  const { sqld, node } = await shared();
  const edge = await startEdge({ runtime: "deno", env: { ...BASE_ENV, DMP_DB_URL: sqld.url } });
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${edge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: await r.json().catch(() => ({})) };
  };
  const zone = "qlog-keys.test";
  try {
    assert.equal(
      (await api("POST", "/v1/admin/zones", { name: zone, apex_ns: [`ns1.${zone}`] })).status,
      201,
    );
    const secret = btoa("u".repeat(32));
    for (const name of ["qlog-update-key", "qlog-xfr-key", "qlog-idle-key"]) {
      const r = await api("POST", "/v1/admin/tsig-keys/import", { name, secret, scope: [zone] });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    assert.equal(
      (await api("PUT", `/v1/admin/zones/${zone}/transfer`, { allow_keys: ["qlog-xfr-key"] }))
        .status,
      200,
    );
    const lastUsed = async () => {
      const r = await api("GET", "/v1/admin/tsig-keys");
      return Object.fromEntries(
        (r.json.tsig_keys as { name: string; last_used_at: number | null }[]).map((
          k,
        ) => [k.name, k.last_used_at]),
      );
    };
    assert.equal((await lastUsed())["qlog-update-key"], null);
    const before = Math.floor(Date.now() / 1000);
    // The node loads the keys within a sync; retry until the UPDATE is accepted.
    assert.ok(
      await waitFor(
        async () =>
          (await nsupdate(node.dnsPort, zone, [`update add t.${zone} 60 TXT "x"`], {
            key: `hmac-sha256:qlog-update-key:${secret}`,
          })).code === 0,
        15000,
      ),
      "nsupdate with the key succeeds",
    );
    assert.ok(
      await waitFor(async () => {
        const r = await run("dig", [
          "@127.0.0.1",
          "-p",
          String(node.dnsPort),
          "-y",
          `hmac-sha256:qlog-xfr-key:${secret}`,
          zone,
          "AXFR",
        ]);
        return /XFR size: \d+ records/.test(r.stdout);
      }, 15000),
      "AXFR with the key succeeds",
    );
    assert.ok(
      await waitFor(async () => {
        const u = await lastUsed();
        return (u["qlog-update-key"] ?? 0) >= before && (u["qlog-xfr-key"] ?? 0) >= before;
      }, 15000),
      `last_used_at recorded: ${JSON.stringify(await lastUsed())}`,
    );
    assert.equal((await lastUsed())["qlog-idle-key"], null, "an unused key stays never-used");
  } finally {
    await edge.stop();
  }
});
