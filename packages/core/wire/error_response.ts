/**
 * Responses that carry no data, for the cold paths that refuse or
 * acknowledge a request (UPDATE, zone transfers, NOTIFY): the request's
 * question echoed with an rcode (RFC 1035 §4.1.1: QR set, opcode and RD
 * copied), or a bare 12-byte header when the request cannot be decoded far
 * enough to echo anything.
 *
 * This module is browser compatible.
 * @module
 */

import type { Message } from "./message.ts";
import { encodeName, nameWireLength } from "./name.ts";

/**
 * A response echoing the request's first question (the zone section of an
 * UPDATE, RFC 2136 §2.3), with `rcode` and AA as given.
 *
 * @param msg the decoded request
 * @param rcode the response code
 * @param aa whether to set the Authoritative Answer bit
 * @returns the encoded response
 *
 * @example
 * ```ts
 * import { questionEchoResponse } from "./error_response.ts";
 * const out = questionEchoResponse({ id: 7, flags: 0x0100, opcode: 0, rcode: 0,
 *   questions: [{ name: "a.test", type: 1, class: 1 }], answers: [], authorities: [],
 *   additionals: [] }, 5);
 * if (out[1] !== 7 || (out[3] & 0xf) !== 5 || (out[2] & 0x81) !== 0x81) throw new Error();
 * ```
 */
export function questionEchoResponse(msg: Message, rcode: number, aa = false): Uint8Array {
  // Written directly (no encodeMessage): UPDATE answers are built at the UPDATE rate, and
  // the generic encoder's compression table is garbage the DNS thread then collects.
  const q = msg.questions[0];
  const nameLength = q ? nameWireLength(q.name) : 0;
  if (nameLength < 0) {
    throw new RangeError(`Cannot encode name: "${q.name}" is not a valid domain name`);
  }
  const out = new Uint8Array(12 + (q ? nameLength + 4 : 0));
  const flags = 0x8000 | (aa ? 0x0400 : 0) | (msg.flags & 0x0100) | ((msg.opcode & 0xf) << 11) |
    (rcode & 0xf);
  out[0] = msg.id >> 8;
  out[1] = msg.id & 0xff;
  out[2] = flags >> 8;
  out[3] = flags & 0xff;
  if (q) {
    out[5] = 1;
    const end = encodeName(out, 12, q.name);
    out[end] = q.type >> 8;
    out[end + 1] = q.type & 0xff;
    out[end + 2] = q.class >> 8;
    out[end + 3] = q.class & 0xff;
  }
  return out;
}

/**
 * A 12-byte response header with QR set, the request's opcode copied and
 * `rcode`, every count zero.
 *
 * @param id the request's ID
 * @param flags the request's 16-bit flags word (its opcode is copied)
 * @param rcode the response code
 * @returns the 12 header bytes
 *
 * @example
 * ```ts
 * import { headerOnlyResponse } from "./error_response.ts";
 * const out = headerOnlyResponse(0x1234, 5 << 11, 1);
 * if (out.length !== 12 || out[2] !== 0xa8 || out[3] !== 1) throw new Error();
 * ```
 */
export function headerOnlyResponse(id: number, flags: number, rcode: number): Uint8Array {
  const out = new Uint8Array(12);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out[2] = 0x80 | ((flags >> 8) & 0x78);
  out[3] = rcode;
  return out;
}
