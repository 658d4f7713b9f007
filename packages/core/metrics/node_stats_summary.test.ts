import assert from "node:assert/strict";
import {
  type NodeStatsCounters,
  type NodeStatsRow,
  ZERO_NODE_STATS_COUNTERS,
} from "../store/node_stats.ts";
import { counterRates, historyBucketStarts, summarizeNodeStats } from "./node_stats_summary.ts";

const T0 = 1_800_000_000; // a minute boundary

function row(
  node: string,
  at: number,
  counters: Partial<NodeStatsCounters>,
  more: Partial<NodeStatsRow> = {},
): NodeStatsRow {
  return {
    node,
    version: "v1",
    bucket: Math.floor(at / 60),
    at,
    startedAt: T0 - 600,
    intervalSeconds: 5,
    counters: { ...ZERO_NODE_STATS_COUNTERS, ...counters },
    journalSeq: 10,
    lastSyncAt: at - 2,
    ...more,
  };
}

Deno.test("counterRates() divides counter deltas by the time between the rows", () => {
  const a = row("n", T0, { noerror: 100, nxdomain: 10, dropped: 4, rrl: 3, updatesOk: 1 });
  const b = row("n", T0 + 20, { noerror: 300, nxdomain: 50, dropped: 4, rrl: 7, updatesOk: 11 });
  const r = counterRates(a, b)!;
  assert.equal(r.noerror, 10);
  assert.equal(r.nxdomain, 2);
  assert.equal(r.dropped, 0);
  assert.equal(r.rrl, 0.2);
  assert.equal(r.updatesOk, 0.5);
  // queries: every outcome, not the RRL-held ones (already counted by rcode) nor UPDATEs
  assert.equal(r.queries, 12);
});

Deno.test("counterRates() measures a restarted node from its own start, never negative", () => {
  const before = row("n", T0, { noerror: 5000 });
  const after = row("n", T0 + 30, { noerror: 40 }, { startedAt: T0 + 10 });
  assert.equal(counterRates(before, after)!.noerror, 2); // 40 over the 20 s since the restart
  // no previous row: from the start as well
  assert.equal(counterRates(undefined, after)!.noerror, 2);
  // a counter that fell without a restart marker counts as zero, not as a negative rate
  const fell = row("n", T0 + 10, { noerror: 10 });
  assert.equal(counterRates(before, fell)!.noerror, 0);
  // rows out of order (or the same row twice): measured from the start
  assert.equal(counterRates(before, before)!.noerror, 5000 / 600);
  // no time passed since the start: no rate
  assert.equal(counterRates(undefined, row("n", T0, {}, { startedAt: T0 })), null);
});

Deno.test("summarizeNodeStats() gives rates, lag, freshness and an hour of per-minute points", () => {
  const now = T0 + 3600 + 30;
  const rows = [
    // ns1: a row a minute for the last three minutes, 600 queries a minute
    row("ns1", T0 + 3480 + 55, { noerror: 1000 }),
    row("ns1", T0 + 3540 + 55, { noerror: 1600, updatesRefused: 60 }),
    row("ns1", now - 1, { noerror: 1950, nodata: 50, updatesRefused: 90 }, { journalSeq: 8 }),
    // ns2: one old row (from before the retained hour's first slot), silent since
    row("ns2", T0 + 30, { refused: 5 }, { intervalSeconds: 5, lastSyncAt: null }),
  ];
  const [ns1, ns2] = summarizeNodeStats(rows, { now, journalHead: 12 });
  assert.equal(ns1.node, "ns1");
  assert.equal(ns1.fresh, true);
  assert.equal(ns1.ageSeconds, 1);
  assert.equal(ns1.journalLag, 4);
  assert.equal(ns1.syncAgeSeconds, 3);
  assert.equal(ns1.totals.noerror, 1950);
  // newest two rows: (1950 + 50 − 1600) queries over 34 s
  assert.equal(ns1.rates!.queries, 400 / 34);
  assert.equal(ns1.rates!.updatesRefused, 30 / 34);
  assert.equal(ns1.history.queries.length, 60);
  // last slot: the current minute; the one before: 600 queries over 60 s; the first row has
  // no row before it and the node started over an hour earlier: no point (an average since
  // the start is not that minute's rate)
  assert.equal(ns1.history.queries[59], 400 / 34);
  assert.equal(ns1.history.queries[58], 10);
  assert.equal(ns1.history.updates[58], 1);
  assert.equal(ns1.history.queries[57], null);
  assert.equal(ns1.history.queries[56], null);

  assert.equal(ns2.node, "ns2");
  assert.equal(ns2.fresh, false);
  assert.equal(ns2.syncAgeSeconds, null);
  assert.equal(ns2.journalLag, 2);
  assert.ok(ns2.history.queries.every((q) => q === null));
});

Deno.test("summarizeNodeStats() plots a node's first minute from its start, and after a restart", () => {
  const now = T0 + 150;
  const rows = [
    row("n", T0 + 55, { noerror: 60 }, { startedAt: T0 + 25 }),
    row("n", T0 + 115, { noerror: 660 }, { startedAt: T0 + 25 }),
    // restarted 10 s before this row
    row("n", T0 + 145, { noerror: 50 }, { startedAt: T0 + 135 }),
  ];
  const [n] = summarizeNodeStats(rows, { now, journalHead: 10 });
  assert.deepEqual(n.history.queries.slice(57), [2, 10, 5]);
  assert.equal(n.rates!.queries, 5);
  assert.equal(n.startedAt, T0 + 135);
});

Deno.test("historyBucketStarts() ends at the current minute", () => {
  const starts = historyBucketStarts(T0 + 59);
  assert.equal(starts.length, 60);
  assert.equal(starts[59], T0);
  assert.equal(starts[0], T0 - 59 * 60);
});
