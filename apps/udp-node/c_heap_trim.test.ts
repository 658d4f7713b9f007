import assert from "node:assert/strict";
import { CHeapTrimmer, LARGE_PATCH_NAMES, loadMallocTrim, patchesFreeMuch } from "./c_heap_trim.ts";
import type { IndexPatch } from "./zone_index/index_patch.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function names(n: number): IndexPatch {
  return {
    kind: "replace_names",
    zone: "z.test",
    names: Array.from({ length: n }, (_, i) => `n${i}.z.test`),
    image: { head: new Uint8Array(0), wire: new Uint8Array(0) },
  };
}

Deno.test("a burst of trim requests trims once, after the pause", async () => {
  const calls: boolean[] = [];
  const heard: boolean[] = [];
  const trimmer = new CHeapTrimmer(
    () => {
      calls.push(true);
      return true;
    },
    (_ms, released) => heard.push(released),
    30,
  );
  trimmer.request();
  await sleep(10);
  trimmer.request();
  await sleep(10);
  trimmer.request();
  assert.equal(calls.length, 0, "no trim while requests keep coming");
  await sleep(60);
  assert.equal(calls.length, 1);
  assert.deepEqual(heard, [true]);
  trimmer.stop();
});

Deno.test("stop cancels a pending trim and later requests", async () => {
  let calls = 0;
  const trimmer = new CHeapTrimmer(() => (calls++, false), undefined, 20);
  trimmer.request();
  trimmer.stop();
  trimmer.request();
  await sleep(50);
  assert.equal(calls, 0);
});

Deno.test("without the addon, requests do nothing", async () => {
  let heard = 0;
  const trimmer = new CHeapTrimmer(null, () => heard++, 1);
  trimmer.request();
  await sleep(20);
  assert.equal(heard, 0);
  trimmer.stop();
});

Deno.test("patchesFreeMuch: whole zones and large catch-ups, not single writes", () => {
  assert.equal(patchesFreeMuch([]), false);
  assert.equal(patchesFreeMuch([names(1)]), false);
  assert.equal(patchesFreeMuch([names(LARGE_PATCH_NAMES - 1)]), false);
  assert.equal(patchesFreeMuch([names(LARGE_PATCH_NAMES)]), true);
  // Names add up across the patches of one catch-up.
  assert.equal(patchesFreeMuch([names(LARGE_PATCH_NAMES / 2), names(LARGE_PATCH_NAMES / 2)]), true);
  assert.equal(patchesFreeMuch([{ kind: "remove_zone", zone: "z.test" }]), true);
  assert.equal(patchesFreeMuch([{ kind: "keys_changed" }]), false);
});

Deno.test("the addon is built and loads (npm install builds it on Linux)", () => {
  const { trim, loadError } = loadMallocTrim();
  assert.equal(loadError, null);
  assert.equal(typeof trim?.(), "boolean");
});

// A real Node process: a thread frees tens of MiB of C heap, interleaved with blocks it keeps,
// so glibc cannot give the free pages back by itself; the trim must.
const FRAGMENTED_HEAP = `
const { Worker } = require("node:worker_threads");
const { trim } = require("@dmp-edge/batched-udp/malloc_trim");
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1]);
const w = new Worker(\`
  const { parentPort } = require("node:worker_threads");
  const kept = [];
  let all = [];
  for (let i = 0; i < 64000; i++) all.push(Buffer.allocUnsafeSlow(1000).fill(1));
  for (let i = 0; i < all.length; i += 64) kept.push(all[i]);
  all = null;
  globalThis.gc();
  parentPort.postMessage(kept.length);
  setInterval(() => {}, 1000);
\`, { eval: true });
w.once("message", () => {
  setTimeout(() => {
    const before = rss();
    const released = trim();
    const after = rss();
    console.log(JSON.stringify({ before, after, released }));
    process.exit(0);
  }, 200);
});
`;

Deno.test("trim gives a worker's freed C heap back to the kernel (real Node)", async () => {
  const out = await new Deno.Command("node", {
    args: ["--expose-gc", "-e", FRAGMENTED_HEAP],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { before, after, released } = JSON.parse(text) as {
    before: number;
    after: number;
    released: boolean;
  };
  assert.equal(released, true);
  // 64 MB were freed in 1000-byte blocks with one kept in 64: at least 32 MiB must go back.
  assert.ok(before - after > 32 * 1024, `RSS ${before} KiB -> ${after} KiB`);
});
