import assert from "node:assert/strict";
import { parseMasterFile } from "./master_file.ts";
import { exportZoneText, rdataText, recordLine } from "./master_file_export.ts";
import { txtSplitOf } from "../wire/txt_split.ts";

const ORACLE = new URL("../../../tests/testdata/oracle.test.zone", import.meta.url);

Deno.test("rdataText: TXT strings kept and escaped, CAA quoted, names fully qualified", () => {
  assert.equal(rdataText({ type: "TXT", value: 'a "b" \\c' }), '"a \\"b\\" \\\\c"');
  assert.equal(
    rdataText({ type: "TXT", value: "part one part two", txtSplit: "9,8" }),
    '"part one " "part two"',
  );
  assert.equal(rdataText({ type: "TXT", value: "é\n" }), '"\\195\\169\\010"');
  assert.equal(rdataText({ type: "TXT", value: "" }), '""');
  assert.equal(
    rdataText({ type: "CAA", value: "0 issue ca.example; x=1" }),
    '0 issue "ca.example; x=1"',
  );
  assert.equal(rdataText({ type: "MX", value: "10 mail.example.com" }), "10 mail.example.com.");
  assert.equal(rdataText({ type: "SRV", value: "0 5 443 ." }), "0 5 443 .");
  assert.equal(rdataText({ type: "CNAME", value: "www.example.com" }), "www.example.com.");
  assert.equal(rdataText({ type: "TYPE65534", value: "\\# 2 ABCD" }), "\\# 2 ABCD");
});

Deno.test("recordLine: fully qualified; a record with a lifetime is a comment with its expiry", () => {
  const r = { name: "a.example.com", type: "A", ttl: 60, value: "192.0.2.1", expiresAt: 0 };
  assert.equal(recordLine(r), "a.example.com.\t60\tIN\tA\t192.0.2.1");
  assert.equal(
    recordLine({ ...r, expiresAt: 1800000000 }),
    ";dmp-expires=1800000000 a.example.com.\t60\tIN\tA\t192.0.2.1",
  );
  // The line reads back to the record under any origin.
  const back = parseMasterFile(recordLine(r), { origin: "elsewhere.test" });
  assert.ok(back.ok && back.records[0].name === "a.example.com");
});

Deno.test("exportZoneText: every type of the oracle zone reads back to the same records", async () => {
  const text = await Deno.readTextFile(ORACLE);
  const parsed = parseMasterFile(text, { origin: "oracle.test" });
  assert.ok(parsed.ok);
  const soa = parsed.records.find((r) => r.type === "SOA")!.value.split(" ");
  const zone = {
    name: "oracle.test",
    soaMname: soa[0],
    soaRname: soa[1],
    serial: Number(soa[2]),
    soaRefresh: Number(soa[3]),
    soaRetry: Number(soa[4]),
    soaExpire: Number(soa[5]),
    soaMinimum: Number(soa[6]),
  };
  const txtRdata = (strings: Uint8Array[]) => {
    const out: number[] = [];
    for (const s of strings) out.push(s.length, ...s);
    return new Uint8Array(out);
  };
  const stored = parsed.records.filter((r) => r.type !== "SOA").map((r) => ({
    ...r,
    expiresAt: 0,
    ...(r.txtStrings ? { txtSplit: txtSplitOf(txtRdata(r.txtStrings)) } : {}),
  }));
  const exported = exportZoneText(zone, stored);
  const again = parseMasterFile(exported, { origin: "nowhere.test" });
  assert.ok(again.ok, again.ok ? "" : again.error);
  const key = (
    r: { name: string; type: string; ttl: number; value: string; txtStrings?: Uint8Array[] },
  ) =>
    `${r.name} ${r.type} ${r.ttl} ${r.value} ${
      r.txtStrings?.map((s) => s.join(".")).join("|") ?? ""
    }`;
  // The SOA's TTL is the one served (MINIMUM); every other record is exactly the file's.
  assert.deepEqual(
    again.records.filter((r) => r.type !== "SOA").map(key).sort(),
    parsed.records.filter((r) => r.type !== "SOA").map(key).sort(),
  );
  assert.equal(
    again.records.find((r) => r.type === "SOA")!.value,
    parsed.records[0].type === "SOA" ? parsed.records[0].value : "",
  );
  // Deterministic: records in another order (an RRset's own records still in publish order,
  // which DMP answers keep) export to the same bytes.
  const byType = stored.slice().sort((a, b) => a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
  assert.equal(exportZoneText(zone, byType), exported);
});
