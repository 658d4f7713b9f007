import assert from "node:assert/strict";
import { readCappedBody } from "./capped_body.ts";

/** A body stream of `parts` chunks of `size` bytes that records how many were pulled. */
function chunked(
  parts: number,
  size: number,
): { stream: ReadableStream<Uint8Array>; pulled(): number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === parts) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(size).fill(pulled));
    },
  });
  return { stream, pulled: () => pulled };
}

Deno.test("a body within the cap is returned whole, chunks in order", async () => {
  const { stream } = chunked(3, 4);
  const body = await readCappedBody(new Response(stream), 12);
  assert.deepEqual([...(body ?? [])], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
});

Deno.test("a stream over the cap is refused as soon as it passes it", async () => {
  const { stream, pulled } = chunked(100, 10);
  assert.equal(await readCappedBody(new Response(stream), 25), null);
  assert.ok(pulled() <= 4, `read ${pulled()} chunks of 100`);
});

Deno.test("a declared Content-Length over the cap is refused without reading", async () => {
  const { stream, pulled } = chunked(5, 10);
  const res = new Response(stream, { headers: { "content-length": "50" } });
  assert.equal(await readCappedBody(res, 49), null);
  // A stream may pre-fetch one chunk (its high-water mark) before anyone reads.
  assert.ok(pulled() <= 1, `read ${pulled()} chunks`);
});

Deno.test("no body is an empty array", async () => {
  const body = await readCappedBody(new Request("http://x/", { method: "GET" }), 10);
  assert.equal(body?.length, 0);
});
