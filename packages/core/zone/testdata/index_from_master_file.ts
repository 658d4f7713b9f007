/**
 * Test support: a {@linkcode ZoneIndex} loaded from master-file text, the way
 * `dmp zone import` stores it (records by owner, the SOA fields on the zone).
 *
 * @module
 */

import { parseMasterFile } from "../master_file.ts";
import type { StoredRecord } from "../../store/records.ts";
import { ZoneIndex } from "../zone_index.ts";

/** Parses `text` for zone `origin` and indexes it; throws on a parse error. */
export function indexFromMasterFile(origin: string, text: string): ZoneIndex {
  const parsed = parseMasterFile(text, { origin });
  if (!parsed.ok) throw new Error(parsed.error);
  const soa = parsed.records.find((r) => r.type === "SOA")?.value.split(" ");
  const index = new ZoneIndex();
  index.replaceZone(
    {
      name: origin,
      soaMname: soa?.[0] ?? "",
      soaRname: soa?.[1] ?? "",
      serial: Number(soa?.[2] ?? 1),
      soaRefresh: Number(soa?.[3] ?? 3600),
      soaRetry: Number(soa?.[4] ?? 600),
      soaExpire: Number(soa?.[5] ?? 86400),
      soaMinimum: Number(soa?.[6] ?? 60),
    },
    parsed.records.filter((r) => r.type !== "SOA").map((r, i): StoredRecord => ({
      id: i + 1,
      zone: origin,
      name: r.name,
      type: r.type,
      value: r.value,
      ttl: r.ttl,
      createdAt: 0,
      expiresAt: 0,
    })),
  );
  return index;
}

/** `[owner, type]` of each RRset of a `sections` or `answer` result, for assertions. */
export function owners(
  result: ReturnType<ZoneIndex["lookup"]>,
  qname: string,
): [string, number][] {
  if (result.kind === "answer") return result.rrsets.map((s) => [qname, s.type]);
  if (result.kind === "sections") return result.answer.map((o) => [o.owner, o.set.type]);
  return [];
}
