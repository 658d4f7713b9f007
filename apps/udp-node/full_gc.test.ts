import assert from "node:assert/strict";
import { runModuleUnder } from "../../tests/_support/node_process.ts";

// Run in a process of its own, on Node (the node's runtime) and on Deno: objects promoted to old
// space, then dropped. Nothing allocates afterwards, so no major GC comes by itself; the full GC
// must free them.
const OLD_SPACE_GARBAGE = `
import { getHeapStatistics } from "node:v8";
import { loadFullGc } from "./apps/udp-node/full_gc.ts";
const { gc, loadError } = loadFullGc();
if (!gc) throw new Error(loadError);
let kept = [];
for (let i = 0; i < 400000; i++) kept.push({ i, s: "record-" + i });
// Two scavenges promote what survives them to old space.
for (let r = 0; r < 2; r++) for (let i = 0; i < 200000; i++) new Array(8);
kept = null;
const before = getHeapStatistics().used_heap_size;
gc();
const after = getHeapStatistics().used_heap_size;
console.log(JSON.stringify({ before, after }));
`;

for (const runtime of ["node", "deno"] as const) {
  Deno.test(`the full GC frees dead objects of the old space (real ${runtime} process)`, async () => {
    // A process of its own: in this test runner's heap, other tests' objects and collections
    // made the figures move (once, in CI, 1 MB freed where 60 are).
    const out = await runModuleUnder(runtime, OLD_SPACE_GARBAGE);
    assert.equal(out.code, 0, out.stderr);
    const { before, after } = JSON.parse(out.stdout.trim()) as {
      before: number;
      after: number;
    };
    // 400k objects with their strings: about 30 MB; at least 16 MiB must go.
    assert.ok(before - after > 16 * 1024 * 1024, `heap used ${before} -> ${after} bytes`);
  });
}
