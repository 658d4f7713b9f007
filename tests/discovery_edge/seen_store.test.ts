/**
 * The directory's seen store on a real libSQL file (brief §4.5; issue 6):
 * newer-or-equal `ts` replaces, older is stale, via zones accumulate,
 * expired rows are swept on write, the row cap evicts the oldest-received
 * among unprotected rows, unverified first, never a row two independent
 * sources saw recently; per-operator and per-source quotas refuse new rows
 * (issue 12 finding 11); edges keep their newest `last_seen_ts`.
 */
import assert from "node:assert/strict";
import {
  listRecentHeartbeats,
  listSeenEdges,
  postSource,
  storeHeartbeats,
  sweepHeartbeatsSeen,
} from "../../packages/core/store/heartbeats_seen.ts";
import { freshDatabase } from "../_support/node_process.ts";

const NOW = 1_800_000_000;

function hb(spk: string, ts: number, extra: { endpoint?: string; exp?: number } = {}) {
  return {
    operatorSpkHex: spk.repeat(64).slice(0, 64),
    endpoint: extra.endpoint ?? `https://${spk}.example`,
    wire: `wire-${spk}-${ts}`,
    ts,
    exp: extra.exp ?? ts + 86400,
    version: "v",
    claimProviderZone: `${spk}.mesh.test`,
    capabilities: 1,
  };
}

Deno.test("storeHeartbeats() keeps the newest ts per (key, endpoint) and accumulates via zones", async () => {
  const db = await freshDatabase();
  try {
    const c = db.client;
    assert.deepEqual(
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb("a", NOW - 10), via: ["z1"] }],
        now: NOW,
      }),
      ["stored"],
    );
    assert.deepEqual(
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb("a", NOW - 20), via: ["z9"] }],
        now: NOW,
      }),
      ["stale"],
    );
    assert.deepEqual(
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb("a", NOW - 10), via: ["z2", "z1"] }],
        now: NOW,
      }),
      ["stored"],
      "equal ts is accepted",
    );
    await storeHeartbeats(c, { entries: [{ heartbeat: hb("a", NOW), via: ["z3"] }], now: NOW });
    const [row] = await listRecentHeartbeats(c, { now: NOW, limit: 10 });
    assert.equal(row.wire, `wire-a-${NOW}`);
    assert.deepEqual(row.viaZones, ["z1", "z2", "z3"]);
    assert.equal(row.receivedAt, NOW);
  } finally {
    db.client.close();
  }
});

Deno.test("storeHeartbeats() sweeps expired rows and evicts the oldest-received beyond the cap", async () => {
  const db = await freshDatabase();
  try {
    const c = db.client;
    await storeHeartbeats(c, {
      entries: [{ heartbeat: hb("e", NOW - 100, { exp: NOW + 5 }), via: [] }],
      now: NOW,
    });
    await storeHeartbeats(c, { entries: [{ heartbeat: hb("b", NOW), via: [] }], now: NOW + 10 });
    assert.deepEqual(
      (await listRecentHeartbeats(c, { now: 0, limit: 10 })).map((r) => r.endpoint),
      ["https://b.example"],
      "the expired row is gone from the table, not only from listings",
    );
    for (const [i, spk] of ["c", "d", "f"].entries()) {
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb(spk, NOW), via: [] }],
        now: NOW + 20 + i,
        limits: { maxRows: 3 },
      });
    }
    const left = (await listRecentHeartbeats(c, { now: NOW, limit: 10 })).map((r) => r.endpoint)
      .sort();
    assert.deepEqual(left, ["https://c.example", "https://d.example", "https://f.example"]);
    await sweepHeartbeatsSeen(c, NOW + 2 * 86400);
    assert.equal((await listRecentHeartbeats(c, { now: 0, limit: 10 })).length, 0);
  } finally {
    db.client.close();
  }
});

Deno.test("storeHeartbeats() keeps each edge's newest last_seen_ts; listRecentHeartbeats() can leave a key out", async () => {
  const db = await freshDatabase();
  try {
    const c = db.client;
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    await storeHeartbeats(c, {
      entries: [{ heartbeat: hb("a", NOW), via: [] }, { heartbeat: hb("b", NOW - 1), via: [] }],
      edges: [{ fromSpk: a, toSpk: b, lastSeenTs: NOW - 5 }],
      now: NOW,
    });
    await storeHeartbeats(c, {
      entries: [],
      edges: [{ fromSpk: a, toSpk: b, lastSeenTs: NOW - 50 }],
      now: NOW,
    });
    assert.deepEqual(await listSeenEdges(c, { limit: 10 }), [
      { fromSpk: a, toSpk: b, lastSeenTs: NOW - 5 },
    ]);
    const others = await listRecentHeartbeats(c, { now: NOW, limit: 10, excludeSpkHex: a });
    assert.deepEqual(others.map((r) => r.operatorSpkHex), [b]);
  } finally {
    db.client.close();
  }
});

Deno.test("storeHeartbeats(): per-operator and per-source quotas refuse new rows, not updates (issue 12)", async () => {
  const db = await freshDatabase();
  try {
    const c = db.client;
    const limits = { perOperator: 2, perSource: 3 };
    const src = postSource("198.51.100.7");
    const one = (spk: string, endpoint: string, ts = NOW, source = src) =>
      storeHeartbeats(c, {
        entries: [{ heartbeat: hb(spk, ts, { endpoint }), via: [], source }],
        now: NOW,
        limits,
      });
    assert.deepEqual(await one("a", "https://a1.example"), ["stored"]);
    assert.deepEqual(await one("a", "https://a2.example"), ["stored"]);
    assert.deepEqual(await one("a", "https://a3.example"), ["quota"], "third endpoint of one key");
    assert.deepEqual(await one("a", "https://a1.example", NOW + 1), ["stored"], "update passes");
    assert.deepEqual(await one("a", "https://a1.example", NOW - 1), ["stale"]);
    assert.deepEqual(await one("b", "https://b1.example"), ["stored"]);
    assert.deepEqual(await one("c", "https://c1.example"), ["quota"], "fourth row of one /24");
    // Another address of the same /24 is the same source; another /24 is not.
    const same = postSource("198.51.100.200");
    assert.equal(same, src);
    assert.deepEqual(await one("c", "https://c1.example", NOW, same), ["quota"]);
    assert.deepEqual(
      await one("c", "https://c1.example", NOW, postSource("198.51.101.1")),
      ["stored"],
    );
    // The crawl has no per-source quota (its zones and depth bound it).
    const crawled = await storeHeartbeats(c, {
      entries: ["d", "e", "f", "g"].map((k) => ({ heartbeat: hb(k, NOW), via: ["z.test"] })),
      now: NOW,
      limits,
    });
    assert.deepEqual(crawled, ["stored", "stored", "stored", "stored"]);
  } finally {
    db.client.close();
  }
});

Deno.test("storeHeartbeats(): eviction takes unverified rows first and never a node two sources saw recently (issue 12)", async () => {
  const db = await freshDatabase();
  try {
    const c = db.client;
    const limits = { maxRows: 4, perSource: 1000 };
    // "p": read through two zones (protected). "v": read through one zone (verified only).
    await storeHeartbeats(c, {
      entries: [
        { heartbeat: hb("p", NOW), via: ["p.test", "q.test"] },
        { heartbeat: hb("v", NOW), via: ["v.test"] },
      ],
      now: NOW,
      limits,
    });
    // A flood of POSTed (unverified) wires, newer than both.
    for (let i = 0; i < 20; i++) {
      const spk = i.toString(16).padStart(2, "0");
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb(spk, NOW), via: [], source: postSource(`10.0.${i}.1`) }],
        now: NOW + 1 + i,
        limits,
      });
    }
    const left = (await listRecentHeartbeats(c, { now: NOW, limit: 10 })).map((r) => r.endpoint);
    assert.equal(left.length, 4);
    assert.ok(left.includes("https://p.example"), JSON.stringify(left));
    assert.ok(left.includes("https://v.example"), JSON.stringify(left));
    // Once nothing saw "p" for longer than the recent window it is evictable again.
    const later = NOW + 2 * 3600;
    for (let i = 0; i < 6; i++) {
      const spk = (100 + i).toString(16);
      await storeHeartbeats(c, {
        entries: [{ heartbeat: hb(spk, later), via: [`n${i}.test`, `m${i}.test`] }],
        now: later + i,
        limits,
      });
    }
    const after = (await listRecentHeartbeats(c, { now: later, limit: 10 })).map((r) => r.endpoint);
    assert.ok(!after.includes("https://p.example"), JSON.stringify(after));
  } finally {
    db.client.close();
  }
});
