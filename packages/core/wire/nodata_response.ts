/**
 * NODATA, told from a response's header alone (RFC 2308 §2.2): NOERROR,
 * authoritative, no answer records. A referral (AA=0) is not NODATA. The
 * node counts these for the overview without a second look at the answer.
 *
 * This module is browser compatible.
 * @module
 */

/** AA, in the third header byte (RFC 1035 §4.1.1). */
const AA = 0x04;

/**
 * Whether an encoded response is a NODATA answer.
 *
 * @param response a DNS response message
 * @returns true for NOERROR, AA=1, ANCOUNT=0
 *
 * @example
 * ```ts
 * import { isNodataResponse } from "./nodata_response.ts";
 * const header = new Uint8Array([0, 1, 0x84, 0x00, 0, 1, 0, 0, 0, 1, 0, 0]);
 * if (!isNodataResponse(header)) throw new Error();
 * ```
 */
export function isNodataResponse(response: Uint8Array): boolean {
  return response.length >= 12 && (response[2] & AA) !== 0 && (response[3] & 0x0f) === 0 &&
    response[6] === 0 && response[7] === 0;
}
