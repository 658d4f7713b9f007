/**
 * The content of a transfer of a signed zone: the snapshot's live records
 * signed as a whole zone (`packages/core/dnssec/signed_zone.ts`: DNSKEY, CDS
 * and CDNSKEY at the apex, an RRSIG on every authoritative RRset, a full NSEC
 * chain), so a secondary serves it signed without the key.
 *
 * A recorded version (one serial, `ixfr.ts`) is signed once, when it is
 * first transferred, with signatures valid from an hour before the
 * snapshot to {@linkcode TRANSFER_SIGNATURE_VALIDITY} after it; every later
 * transfer of that serial from this node sends the same bytes. IXFR of a
 * signed zone is answered with the whole zone (RFC 1995 §4), since the
 * differences would need the NSEC and RRSIG changes too.
 *
 * @module
 */

import {
  type PlainRRset,
  signZone,
  TRANSFER_SIGNATURE_VALIDITY,
} from "../../../packages/core/dnssec/signed_zone.ts";
import { SIGNATURE_BACKDATE, type ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import { compareBytes } from "../../../packages/core/dnssec/rrsig.ts";
import { CLASS } from "../../../packages/core/wire/constants.ts";
import { isLive, recordLength } from "../../../packages/core/zone/zone_index.ts";
import { relativeOwner, transferTtl, type XfrRecord, type ZoneSnapshot } from "./axfr.ts";

/**
 * The RRs of the signed zone between its two SOAs, ready for the transfer
 * writer. An RRset whose records carry different TTLs (DMP values with
 * lifetimes) is sent with the smallest, the TTL its RRSIG covers.
 */
export async function signedTransferRecords(
  snap: ZoneSnapshot,
  signer: ZoneSigner,
  maxTtl: number,
): Promise<XfrRecord[]> {
  const nodes = new Map<string, PlainRRset[]>();
  for (const [owner, sets] of snap.nodes) {
    const plain: PlainRRset[] = [];
    for (const set of sets) {
      const rdatas: Uint8Array[] = [];
      let ttl = Infinity;
      for (const r of set.records) {
        if (!isLive(r, snap.at)) continue;
        rdatas.push(set.wire.subarray(r.offset + 12, r.offset + recordLength(set, r)));
        ttl = Math.min(ttl, transferTtl(r, maxTtl, snap.at));
      }
      if (rdatas.length > 0) plain.push({ type: set.type, ttl, rdatas: rdatas.sort(compareBytes) });
    }
    nodes.set(owner, plain);
  }
  const at = Math.floor(snap.at);
  const rrs = await signZone(
    { apex: snap.name, soaTtl: snap.soaTtl, soaRdata: snap.soaRdata, nsecTtl: snap.soaTtl, nodes },
    signer,
    { inception: at - SIGNATURE_BACKDATE, expiration: at + TRANSFER_SIGNATURE_VALIDITY },
    at,
  );
  const out: XfrRecord[] = [];
  for (const rr of rrs) {
    const owner = relativeOwner(rr.owner, snap.name);
    if (!owner) continue;
    const body = new Uint8Array(10 + rr.rdata.length);
    const v = new DataView(body.buffer);
    v.setUint16(0, rr.type);
    v.setUint16(2, CLASS.IN);
    v.setUint16(8, rr.rdata.length);
    body.set(rr.rdata, 10);
    out.push({ owner, body, ttl: rr.ttl });
  }
  return out;
}
