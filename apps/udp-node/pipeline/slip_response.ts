/**
 * The "slip" answer of response rate limiting: the response cut down, in
 * place, to its header and question (and OPT, RFC 6891 §7) with TC=1 and no
 * records, so a real client behind a spoofed network retries over TCP
 * (RFC 7766 §5) while a reflection victim receives no more bytes than the
 * query had. Only runs for limited responses, never on the normal answer path.
 *
 * @module
 */

import { FLAG, LIMIT, TYPE } from "../../../packages/core/wire/constants.ts";
import { skipName } from "../../../packages/core/wire/name.ts";
import { writeUint16 } from "../../../packages/core/wire/network_order.ts";

/** OPT RR without options: root owner, type, class, TTL, RDLENGTH (RFC 6891 §6.1.2). */
const OPT_LENGTH = 11;

/**
 * Turns an encoded response from `encodeResponse` (OPT, when present, is its
 * last record) into its TC=1 form; returns a view of the same bytes.
 */
export function slipResponse(response: Uint8Array): Uint8Array {
  if (response.length < LIMIT.HEADER) return response;
  const qdcount = (response[4] << 8) | response[5];
  const arcount = (response[10] << 8) | response[11];
  let end: number = LIMIT.HEADER;
  if (qdcount === 1) {
    const nameEnd = skipName(response, LIMIT.HEADER);
    if (nameEnd < 0 || nameEnd + 4 > response.length) return response;
    end = nameEnd + 4;
  }
  const optAt = response.length - OPT_LENGTH;
  const hasOpt = arcount === 1 && optAt >= end && response[optAt] === 0 &&
    ((response[optAt + 1] << 8) | response[optAt + 2]) === TYPE.OPT;
  if (hasOpt) {
    response.copyWithin(end, optAt, response.length);
    end += OPT_LENGTH;
  }
  response[2] |= FLAG.TC >> 8;
  writeUint16(response, 4, qdcount === 1 ? 1 : 0);
  writeUint16(response, 6, 0);
  writeUint16(response, 8, 0);
  writeUint16(response, 10, hasOpt ? 1 : 0);
  return response.subarray(0, end);
}
