import assert from "node:assert/strict";
import { sseComment, sseEvent } from "./sse_event.ts";

/**
 * A reader following HTML §9.2.6 (the part that matters here: lines, fields, dispatch on a
 * blank line), so the test checks what a browser would see.
 */
function parseStream(text: string): { id?: string; event: string; data: string }[] {
  const events: { id?: string; event: string; data: string }[] = [];
  let data: string[] = [];
  let event = "message";
  let id: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length) events.push({ id, event, data: data.join("\n") });
      data = [];
      event = "message";
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  }
  return events;
}

Deno.test("hostile data cannot add fields or events to the stream (HTML §9.2.6)", () => {
  const attacks = [
    "evil\nid: 99999\nevent: query\ndata: {}\n\n",
    "a\r\ndata: b\rretry: 1",
    "\n\n\n",
    "x\u2028y\u0085z",
  ];
  for (const data of attacks) {
    const text = sseEvent({ id: "5", event: "query", data });
    const got = parseStream(text);
    assert.equal(got.length, 1, JSON.stringify(text));
    assert.equal(got[0].id, "5");
    assert.equal(got[0].event, "query");
    assert.equal(got[0].data, data.replace(/\r\n|\r/g, "\n"));
  }
});

Deno.test("id and event lose line breaks; comments stay comments", () => {
  const text = sseEvent({ id: "1\n\nevent: x", event: "q\r\ndata: y", data: "d" }) +
    sseComment("hi\n\ndata: z\n\n");
  const got = parseStream(text);
  assert.deepEqual(got, [{ id: "1event: x", event: "qdata: y", data: "d" }]);
});
