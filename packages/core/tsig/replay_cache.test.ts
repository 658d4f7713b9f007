import assert from "node:assert/strict";
import { ReplayCache } from "./replay_cache.ts";

const mac = (n: number) => new Uint8Array([n >> 8, n & 0xff, 0xaa]);

Deno.test("a replay within the fudge window is refused; other keys/MACs are not", () => {
  const c = new ReplayCache();
  assert.equal(c.checkAndRemember("k.example", mac(1), 1000, 1000, 300), true);
  assert.equal(
    c.checkAndRemember("K.EXAMPLE.", mac(1), 1000, 1200, 300),
    false,
    "same key (canonical), same MAC",
  );
  assert.equal(c.checkAndRemember("other", mac(1), 1000, 1000, 300), true, "other key");
  assert.equal(c.checkAndRemember("k.example", mac(2), 1000, 1000, 300), true, "other MAC");
  assert.equal(
    c.checkAndRemember("k.example", mac(1), 1000, 1300, 300),
    false,
    "at timeSigned + fudge",
  );
});

Deno.test("entries expire after timeSigned + fudge", () => {
  const c = new ReplayCache();
  assert.equal(c.checkAndRemember("k", mac(1), 1000, 990, 300), true);
  assert.equal(c.checkAndRemember("k", mac(1), 1200, 1301, 300), true, "expired → accepted again");
  assert.equal(c.checkAndRemember("k", mac(1), 1200, 1500, 300), false, "and remembered anew");
  assert.equal(c.checkAndRemember("k", mac(1), 1200, 1501, 300), true);
  for (let i = 0; i < 100; i++) c.checkAndRemember("k", mac(100 + i), 2000, 2000, 10);
  assert.equal(c.size, 100, "the expired one was swept");
  c.prune(2011);
  assert.equal(c.size, 0);
});

Deno.test("expired entries are swept incrementally from the oldest end", () => {
  const c = new ReplayCache();
  for (let i = 0; i < 50; i++) c.checkAndRemember("k", mac(i), 100, 100, 1);
  for (let i = 0; i < 10; i++) c.checkAndRemember("k", mac(1000 + i), 500, 500, 300);
  assert.ok(c.size < 60, `swept some: ${c.size}`);
  for (let i = 0; i < 10; i++) c.checkAndRemember("k", mac(2000 + i), 500, 500, 300);
  assert.equal(c.size, 20, "all expired entries gone, live ones kept");
});

Deno.test("the size cap evicts the oldest entries", () => {
  const c = new ReplayCache(3);
  for (let i = 0; i < 4; i++) assert.equal(c.checkAndRemember("k", mac(i), 1000, 1000, 300), true);
  assert.equal(c.size, 3);
  assert.equal(c.checkAndRemember("k", mac(0), 1000, 1000, 300), true, "oldest was evicted");
  assert.equal(c.checkAndRemember("k", mac(3), 1000, 1000, 300), false, "newest kept");
});
