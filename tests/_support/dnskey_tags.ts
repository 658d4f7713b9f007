/**
 * Key tags as dig prints DNSSEC answers: of DNSKEY RDATA (flags, protocol,
 * algorithm, base64 key) and of the key that made an RRSIG.
 */
import { decodeBase64Strict } from "../../packages/core/dmp/base64_strict.ts";
import { keyTag } from "../../packages/core/dnssec/signing_key.ts";
import type { DigResult } from "./dig.ts";

/** Key tags of DNSKEY answers (dig prints the key in base64), sorted. */
export function dnskeyTags(datas: string[]): number[] {
  return datas.map((d) => {
    const [flags, protocol, alg, ...b64] = d.split(/\s+/);
    const pub = decodeBase64Strict(b64.join(""))!;
    const rdata = new Uint8Array(4 + pub.length);
    rdata.set([Number(flags) >> 8, Number(flags) & 0xff, Number(protocol), Number(alg)]);
    rdata.set(pub, 4);
    return keyTag(rdata);
  }).sort((a, b) => a - b);
}

/** The key tag of the answer's first RRSIG (RFC 4034 §3.2: the seventh field); -1 with none. */
export function rrsigKeyTag(r: DigResult): number {
  const sig = r.answer.find((a) => a.type === "RRSIG");
  return sig ? Number(sig.data.split(/\s+/)[6]) : -1;
}
