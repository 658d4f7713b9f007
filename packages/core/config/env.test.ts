import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./env.ts";

Deno.test("loadConfig() change signal: defaults, and the URL must be http(s)", () => {
  const c = loadConfig({});
  assert.equal(c.DMP_SYNC_SIGNAL_URL, undefined);
  assert.equal(c.DMP_SYNC_SIGNAL_WAIT, 25);
  assert.equal(c.DMP_SYNC_SIGNAL_MAX_WAITERS, 256);
  const url = "https://edge.example/v1/sync/journal-head";
  assert.equal(loadConfig({ DMP_SYNC_SIGNAL_URL: url }).DMP_SYNC_SIGNAL_URL, url);
  for (const bad of ["edge.example/v1", "ftp://edge.example/", "file:///etc/passwd", "http://"]) {
    assert.throws(
      () => loadConfig({ DMP_SYNC_SIGNAL_URL: bad }),
      (e: unknown) => e instanceof ConfigError && /DMP_SYNC_SIGNAL_URL/.test(e.message),
      bad,
    );
  }
});

Deno.test("loadConfig() change signal: the hold and the waiter cap are bounded", () => {
  for (
    const [name, value] of [
      ["DMP_SYNC_SIGNAL_WAIT", "0"],
      ["DMP_SYNC_SIGNAL_WAIT", "56"],
      ["DMP_SYNC_SIGNAL_MAX_WAITERS", "0"],
      ["DMP_SYNC_SIGNAL_MAX_WAITERS", "1.5"],
    ]
  ) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(name),
      `${name}=${value}`,
    );
  }
});

Deno.test("loadConfig() node stats: every 5 s by default, 0 turns it off, 1..3600 otherwise", () => {
  assert.equal(loadConfig({}).DMP_NODE_STATS_INTERVAL, 5);
  assert.equal(loadConfig({}).DMP_NODE_STATS_NAME, undefined);
  assert.equal(loadConfig({ DMP_NODE_STATS_INTERVAL: "0" }).DMP_NODE_STATS_INTERVAL, 0);
  assert.equal(loadConfig({ DMP_NODE_STATS_INTERVAL: "2.5" }).DMP_NODE_STATS_INTERVAL, 2.5);
  assert.equal(
    loadConfig({ DMP_NODE_STATS_NAME: "ns1.example:53" }).DMP_NODE_STATS_NAME,
    "ns1.example:53",
  );
  // A write more often than once a second, or a name the stats row refuses, stops start-up.
  for (
    const [name, value] of [
      ["DMP_NODE_STATS_INTERVAL", "0.5"],
      ["DMP_NODE_STATS_INTERVAL", "3601"],
      ["DMP_NODE_STATS_INTERVAL", "-1"],
      ["DMP_NODE_STATS_NAME", "a b"],
      ["DMP_NODE_STATS_NAME", "x".repeat(65)],
      ["DMP_NODE_STATS_NAME", "<script>"],
    ]
  ) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(name),
      `${name}=${value}`,
    );
  }
});
