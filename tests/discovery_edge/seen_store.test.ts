/**
 * The directory's seen store on a real libSQL file (brief §4.5; issue 6):
 * newer-or-equal `ts` replaces, older is stale, via zones accumulate,
 * expired rows are swept on write, the row cap evicts the oldest-received,
 * and edges keep their newest `last_seen_ts`.
 */
import assert from "node:assert/strict";
import {
  listRecentHeartbeats,
  listSeenEdges,
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
        maxRows: 3,
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
