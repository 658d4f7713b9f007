import assert from "node:assert/strict";
import { questionEchoResponse } from "./error_response.ts";
import { encodeMessage, type Message } from "./message.ts";

function request(name: string, flags: number, opcode: number): Message {
  return {
    id: 0xbeef,
    flags,
    opcode,
    rcode: 0,
    questions: [{ name, type: 6, class: 1 }, { name: "second.test", type: 1, class: 1 }],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

Deno.test("questionEchoResponse equals the generic encoder's response, byte for byte", () => {
  for (const name of ["Upd.Test", "a\\.b.test", "", "x.y.z."]) {
    for (const [flags, opcode] of [[0x0100, 0], [0x2800, 5], [0, 5]]) {
      for (const aa of [false, true]) {
        const msg = request(name, flags, opcode);
        const expected = encodeMessage({
          id: msg.id,
          flags: 0x8000 | (aa ? 0x0400 : 0) | (msg.flags & 0x0100),
          opcode: msg.opcode,
          rcode: 9,
          questions: msg.questions.slice(0, 1),
          answers: [],
          authorities: [],
          additionals: [],
        });
        assert.deepEqual(questionEchoResponse(msg, 9, aa), expected, `${name} ${flags} ${aa}`);
      }
    }
  }
});

Deno.test("questionEchoResponse without a question is a bare header", () => {
  const out = questionEchoResponse({ ...request("a", 0, 5), questions: [] }, 1);
  assert.deepEqual(out.length, 12);
  assert.deepEqual([out[2], out[3], out[5]], [0xa8, 1, 0]);
});

Deno.test("questionEchoResponse refuses a question name that cannot be encoded", () => {
  assert.throws(() => questionEchoResponse(request("a..b", 0, 5), 1), RangeError);
});
