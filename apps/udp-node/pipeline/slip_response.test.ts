import assert from "node:assert/strict";
import { CLASS, TYPE } from "../../../packages/core/wire/constants.ts";
import { decodeMessage, encodeMessage } from "../../../packages/core/wire/message.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { answerQuery } from "./answer_query.ts";
import { slipResponse } from "./slip_response.ts";

const index = new ZoneIndex();
index.replaceZone({
  name: "example.test",
  soaMname: "ns1.example.test",
  soaRname: "hostmaster.example.test",
  soaRefresh: 3600,
  soaRetry: 600,
  soaExpire: 86400,
  soaMinimum: 60,
  serial: 1,
}, [{
  id: 1,
  zone: "example.test",
  createdAt: 0,
  name: "a.example.test",
  type: "TXT",
  value: "x".repeat(600),
  ttl: 60,
  expiresAt: 0,
}]);

function answer(name: string, edns: number): Uint8Array {
  const request = encodeMessage({
    id: 0x4242,
    flags: 0x0100,
    opcode: 0,
    rcode: 0,
    questions: [{ name, type: TYPE.TXT, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: edns < 0
      ? []
      : [{ name: "", type: TYPE.OPT, class: edns, ttl: 0, rdata: new Uint8Array(0) }],
  });
  const out = answerQuery(request, index, { maxTtl: 300 }, { tcp: false, now: 0 });
  assert.ok(out.kind === "reply");
  return out.bytes;
}

Deno.test("a slipped answer is header + question (+ OPT) with TC=1 and no records", () => {
  for (const [name, edns] of [["a.example.test", 1232], ["nx.example.test", -1]] as const) {
    const full = answer(name, edns);
    const fullDecoded = decodeMessage(full);
    assert.ok(fullDecoded.ok);
    const slipped = slipResponse(full);
    const m = decodeMessage(slipped);
    assert.ok(m.ok, m.ok ? "" : m.error);
    assert.ok(m.message.flags & 0x0200, "TC=1");
    assert.equal(m.message.id, 0x4242);
    assert.equal(m.message.rcode, fullDecoded.message.rcode);
    assert.deepEqual(m.message.questions, fullDecoded.message.questions);
    assert.equal(m.message.answers.length + m.message.authorities.length, 0);
    assert.equal(m.message.additionals.length, edns < 0 ? 0 : 1);
    if (edns >= 0) assert.equal(m.message.additionals[0].type, TYPE.OPT);
    // No bigger than the query: nothing left to amplify.
    assert.equal(slipped.length, 12 + name.length + 2 + 4 + (edns < 0 ? 0 : 11));
  }
});
