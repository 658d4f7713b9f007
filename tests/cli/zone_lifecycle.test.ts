/**
 * Zone lifecycle through the `dmp` command (issue 11 item 3), run as real
 * processes on a real libSQL file database: export → import round trips
 * (every type, and 100,000 records), `--replace` writing and journalling only
 * the difference, serials kept from the file and moved by policy, `zone add`
 * refusing an existing zone, and bad files refused with the line and reason.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { freshDatabase } from "../_support/node_process.ts";
import { parseMasterFile } from "../../packages/core/zone/master_file.ts";
import { exportZoneText } from "../../packages/core/zone/master_file_export.ts";
import { importZone } from "../../packages/core/store/zone_import.ts";
import { readZoneRecords } from "../../packages/core/store/records.ts";
import { readZone } from "../../packages/core/store/zones.ts";
import { policySerial } from "../../packages/core/zone/serial.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DMP = `${ROOT}bin/dmp.mjs`;
const ORACLE_ZONE = `${ROOT}tests/testdata/oracle.test.zone`;

async function dmp(url: string, ...args: string[]) {
  const r = await new Deno.Command("node", {
    args: [DMP, ...args, "--db", url],
    cwd: "/tmp",
    env: { PATH: Deno.env.get("PATH")!, HOME: "/tmp" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

/** Records of a master file in canonical form, one string each, sorted. */
function canonical(text: string, origin: string): string[] {
  const r = parseMasterFile(text, { origin });
  if (!r.ok) throw new Error(r.error);
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return r.records.map((x) =>
    [x.name, x.ttl, x.type, x.value, x.txtStrings?.map(hex).join(",") ?? ""].join(" | ")
  ).sort();
}

async function journalSince(url: string, seq: number): Promise<string[]> {
  const c = createClient({ url });
  try {
    const r = await c.execute({ sql: "SELECT name FROM journal WHERE seq > ?", args: [seq] });
    return r.rows.map((x) => String(x.name)).sort();
  } finally {
    c.close();
  }
}

async function journalHead(url: string): Promise<number> {
  const c = createClient({ url });
  try {
    return Number((await c.execute("SELECT COALESCE(MAX(seq), 0) AS s FROM journal")).rows[0].s);
  } finally {
    c.close();
  }
}

Deno.test("export → import round-trips the oracle zone (every type) byte for byte", async () => {
  const a = await freshDatabase();
  const b = await freshDatabase();
  a.client.close();
  b.client.close();
  try {
    const original = await Deno.readTextFile(ORACLE_ZONE);
    const imported = await dmp(a.url, "zone", "import", "oracle.test", ORACLE_ZONE);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /serial 2026112601$/m, "the file's serial is kept");
    const first = await dmp(a.url, "zone", "export", "oracle.test");
    assert.equal(first.code, 0, first.err);
    // The export holds exactly the file's records: names, TTLs, values, TXT splits.
    assert.deepEqual(canonical(first.out, "oracle.test"), canonical(original, "oracle.test"));
    const file = `${a.dir}/exported.zone`;
    await Deno.writeTextFile(file, first.out);
    const again = await dmp(b.url, "zone", "import", "oracle.test", file);
    assert.equal(again.code, 0, again.err);
    const second = await dmp(b.url, "zone", "export", "oracle.test");
    assert.equal(second.out, first.out, "the re-imported zone exports to the same bytes");

    // `dmp record list` prints lines that import back unchanged: nothing to write.
    const listed = await dmp(a.url, "record", "list", "oracle.test");
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^www\.oracle\.test\.\t\d+\tIN\tA\t/m, "fully qualified owners");
    await Deno.writeTextFile(`${a.dir}/listed.zone`, listed.out);
    const back = await dmp(a.url, "zone", "import", "oracle.test", `${a.dir}/listed.zone`);
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /\(0 written, 0 deleted, \d+ unchanged\), serial 2026112601$/m);
  } finally {
    await Deno.remove(a.dir, { recursive: true });
    await Deno.remove(b.dir, { recursive: true });
  }
});

Deno.test("zone import --replace writes and journals only the difference; merge keeps the rest", async () => {
  const db = await freshDatabase();
  db.client.close();
  try {
    const head =
      "$ORIGIN r.test.\n$TTL 300\n@ SOA ns1 hostmaster 10 3600 600 86400 60\n@ NS ns1\n" +
      "ns1 A 192.0.2.53\n";
    await Deno.writeTextFile(
      `${db.dir}/v1.zone`,
      head + 'a A 192.0.2.1\nb A 192.0.2.2\nc TXT "gone"\n',
    );
    const v1 = `${db.dir}/v1.zone`;
    const first = await dmp(db.url, "zone", "import", "r.test", v1, "--serial-policy", "increment");
    assert.equal(first.code, 0, first.err);
    // A DMP record with a lifetime: users' data, which a replace leaves alone.
    const dmpRecord = await dmp(
      db.url,
      "record",
      "add",
      "slot.r.test",
      "TXT",
      "v=dmp1",
      "--lifetime",
      "3600",
    );
    assert.equal(dmpRecord.code, 0, dmpRecord.err);
    const before = await journalHead(db.url);
    await Deno.writeTextFile(
      `${db.dir}/v2.zone`,
      head.replace(" 10 ", " 20 ") + "a A 192.0.2.1\nb A 192.0.2.22\nd 60 A 192.0.2.4\n",
    );
    const r = await dmp(db.url, "zone", "import", "r.test", `${db.dir}/v2.zone`, "--replace");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\(2 written, 2 deleted, 3 unchanged\), serial 20$/m);
    // The zone row ("") and the names that changed: b (value), c (deleted), d (new). Not a, ns1.
    assert.deepEqual(await journalSince(db.url, before), ["", "b.r.test", "c.r.test", "d.r.test"]);
    const listed = (await dmp(db.url, "record", "list", "r.test")).out;
    assert.match(listed, /^a\.r\.test\.\t300\tIN\tA\t192\.0\.2\.1$/m);
    assert.match(listed, /^b\.r\.test\.\t300\tIN\tA\t192\.0\.2\.22$/m);
    assert.doesNotMatch(listed, /192\.0\.2\.2$|^c\.r\.test/m);
    assert.match(listed, /^d\.r\.test\.\t60\tIN\tA\t192\.0\.2\.4$/m);
    assert.match(listed, /^;dmp-expires=\d+ slot\.r\.test\.\t\d+\tIN\tTXT\t"v=dmp1"$/m);

    // Merge (the default): the file's records join, nothing is deleted; only e is journalled.
    const mark = await journalHead(db.url);
    await Deno.writeTextFile(`${db.dir}/v3.zone`, "$ORIGIN r.test.\ne 300 A 192.0.2.5\n");
    const m = await dmp(db.url, "zone", "import", "r.test", `${db.dir}/v3.zone`);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /\(1 written, 0 deleted, 0 unchanged\), serial 21$/m);
    assert.deepEqual(await journalSince(db.url, mark), ["", "e.r.test"]);
    assert.match((await dmp(db.url, "record", "list", "r.test")).out, /^a\.r\.test\./m);
  } finally {
    await Deno.remove(db.dir, { recursive: true });
  }
});

Deno.test("serials: policies set by zone add/import, kept from files, never backwards", async () => {
  const db = await freshDatabase();
  db.client.close();
  const serial = async (zone: string) =>
    Number(
      /serial=(\d+)/.exec(
        (await dmp(db.url, "zone", "list")).out.split("\n").find((l) => l.startsWith(zone + "\t"))!,
      )![1],
    );
  try {
    const add = await dmp(db.url, "zone", "add", "p.test", "--serial-policy", "increment");
    assert.equal(add.code, 0, add.err);
    assert.equal(await serial("p.test"), 1);
    assert.equal((await dmp(db.url, "record", "add", "w.p.test", "A", "192.0.2.1")).code, 0);
    assert.equal(await serial("p.test"), 2);
    // An existing zone is refused without --update, and nothing changes.
    const again = await dmp(db.url, "zone", "add", "p.test", "--ns", "ns9.p.test");
    assert.equal(again.code, 1);
    assert.match(again.err, /zone p\.test exists; pass --update/);
    assert.equal(await serial("p.test"), 2);
    const bad = await dmp(db.url, "zone", "add", "q.test", "--serial-policy", "weekly");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--serial-policy "weekly": expected increment, unixtime or dateserial/);
    // --update switches to dateserial: today's YYYYMMDD00 is ahead of 2, so it is taken.
    const upd = await dmp(
      db.url,
      "zone",
      "add",
      "p.test",
      "--update",
      "--serial-policy",
      "dateserial",
    );
    assert.equal(upd.code, 0, upd.err);
    const today = policySerial("dateserial", Date.now() / 1000);
    assert.ok(
      [today, today + 100].includes(await serial("p.test")),
      String(await serial("p.test")),
    );
    assert.match(
      (await dmp(db.url, "zone", "list")).out,
      /^p\.test\tserial=\d+\tpolicy=dateserial$/m,
    );

    // A file's serial is kept; an older one on re-import does not move the zone back.
    const file = `${db.dir}/s.zone`;
    await Deno.writeTextFile(file, "@ 60 SOA ns1 hm 4294967290 1 1 1 60\n@ NS ns1\n");
    const imp = await dmp(db.url, "zone", "import", "s.test", file, "--serial-policy", "increment");
    assert.equal(imp.code, 0, imp.err);
    assert.equal(await serial("s.test"), 4294967290);
    for (let i = 0; i < 7; i++) {
      const r = await dmp(db.url, "record", "add", `h${i}.s.test`, "A", "192.0.2.1");
      assert.equal(r.code, 0, r.err);
    }
    assert.equal(await serial("s.test"), 1, "RFC 1982 wrap: 4294967290 + 7 is 1");
    await Deno.writeTextFile(file, "@ 60 SOA ns1 hm 4294967295 1 1 1 60\n@ NS ns2\n");
    assert.equal((await dmp(db.url, "zone", "import", "s.test", file)).code, 0);
    assert.equal(await serial("s.test"), 2, "an older file serial: the zone moves on by one");
    // zone add --update changes what it is given and keeps the file's SOA timers.
    const keep = await dmp(db.url, "zone", "add", "s.test", "--update", "--ns", "ns3.s.test");
    assert.equal(keep.code, 0, keep.err);
    const soa = (await dmp(db.url, "zone", "export", "s.test")).out;
    assert.match(soa, /^s\.test\.\t60\tIN\tSOA\tns1\.s\.test\. hm\.s\.test\. 3 1 1 1 60$/m);
    assert.match(soa, /^s\.test\.\t3600\tIN\tNS\tns3\.s\.test\.$/m);
    assert.doesNotMatch(soa, /\tNS\tns2/);
  } finally {
    await Deno.remove(db.dir, { recursive: true });
  }
});

Deno.test("bad zone files: the line and the reason, nothing written", async () => {
  const db = await freshDatabase();
  db.client.close();
  try {
    const ok = "$ORIGIN bad.test.\n@ 60 SOA ns1 hm 5 1 1 1 60\n@ 60 NS ns1\nwww 60 A 192.0.2.1\n";
    await Deno.writeTextFile(`${db.dir}/ok.zone`, ok);
    assert.equal((await dmp(db.url, "zone", "import", "bad.test", `${db.dir}/ok.zone`)).code, 0);
    const cases: [string, RegExp][] = [
      [ok + "@ 60 CNAME elsewhere.test.\n", /line 5: a CNAME at the zone apex bad\.test/],
      [
        ok + "x 60 A 192.0.2.2\nx 60 CNAME www\n",
        /line 6: x\.bad\.test has a CNAME and other data \(A on line 5\)/,
      ],
      [ok + "y 60 CNAME www\ny 60 TXT hi\n", /line 6: y\.bad\.test has a TXT beside its CNAME/],
      [
        ok + "www 60 CNAME x\n",
        /line 5: www\.bad\.test has a CNAME and other data \(A on line 4\)/,
      ],
      [ok + "z 60 A 192.0.2.256\n", /line 5: invalid IPv4 address "192\.0\.2\.256"/],
      [ok + "out.other.test. 60 A 192.0.2.1\n", /line 5: out\.other\.test is outside zone/],
      [ok + "@ 60 SOA ns1 hm 6 1 1 1 60\n", /line 5: a second SOA \(the first is on line 2\)/],
    ];
    for (const [text, reason] of cases) {
      await Deno.writeTextFile(`${db.dir}/bad.zone`, text);
      const r = await dmp(db.url, "zone", "import", "bad.test", `${db.dir}/bad.zone`, "--replace");
      assert.equal(r.code, 1, text);
      assert.match(r.err, reason);
    }
    // Merging a CNAME where the zone already holds data is refused too.
    await Deno.writeTextFile(`${db.dir}/merge.zone`, "$ORIGIN bad.test.\nwww 60 CNAME x\n");
    const merged = await dmp(db.url, "zone", "import", "bad.test", `${db.dir}/merge.zone`);
    assert.equal(merged.code, 1);
    assert.match(merged.err, /line 2: www\.bad\.test has a CNAME and other data \(A on the zone/);
    const exported = await dmp(db.url, "zone", "export", "bad.test");
    assert.deepEqual(canonical(exported.out, "bad.test"), canonical(ok, "bad.test"));
    assert.match(exported.out, / 5 1 1 1 60$/m, "the serial did not move");

    // $INCLUDE is read relative to the including file, wherever the command runs.
    await Deno.mkdir(`${db.dir}/parts`);
    await Deno.writeTextFile(`${db.dir}/parts/hosts.zone`, "mail 60 A 192.0.2.25\n");
    await Deno.writeTextFile(`${db.dir}/parts/broken.zone`, "\nm 60 MX x\n");
    await Deno.writeTextFile(`${db.dir}/inc.zone`, ok + "$INCLUDE parts/hosts.zone\n");
    const inc = await dmp(db.url, "zone", "import", "bad.test", `${db.dir}/inc.zone`);
    assert.equal(inc.code, 0, inc.err);
    assert.match((await dmp(db.url, "record", "list", "mail.bad.test")).out, /192\.0\.2\.25/);
    await Deno.writeTextFile(`${db.dir}/inc.zone`, ok + "$INCLUDE parts/broken.zone\n");
    const broken = await dmp(db.url, "zone", "import", "bad.test", `${db.dir}/inc.zone`);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /line 5: in .*parts\/broken\.zone line 2: MX/);
  } finally {
    await Deno.remove(db.dir, { recursive: true });
  }
});

Deno.test({
  name: "a 100,000-record zone exported and re-imported is identical",
  sanitizeResources: false,
  fn: async () => {
    const a = await freshDatabase();
    const b = await freshDatabase();
    a.client.close();
    try {
      // Mixed types so the export path of each is exercised at scale; generated here.
      let text = "$ORIGIN big.test.\n$TTL 300\n@ SOA ns1 hm 77 3600 600 86400 60\n@ NS ns1\n";
      for (let i = 0; i < 99_999; i++) {
        const k = i % 4;
        text += k === 0
          ? `h${i} A 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}\n`
          : k === 1
          ? `h${i} 60 TXT "v=${i}" "part two"\n`
          : k === 2
          ? `h${i} MX ${i % 100} mx${i}\n`
          : `h${i} AAAA 2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}\n`;
      }
      await Deno.writeTextFile(`${a.dir}/big.zone`, text);
      const imported = await dmp(a.url, "zone", "import", "big.test", `${a.dir}/big.zone`);
      assert.equal(imported.code, 0, imported.err);
      const first = await dmp(a.url, "zone", "export", "big.test");
      assert.equal(first.code, 0, first.err);
      assert.equal(first.out.split("\n").filter((l) => /^[a-z]/.test(l)).length, 100_001);
      // The re-import in-process (the same core code the CLI runs), then both exports compared.
      const parsed = parseMasterFile(first.out, { origin: "big.test" });
      assert.ok(parsed.ok);
      const now = Date.now() / 1000;
      await importZone(b.client, "big.test", parsed.records, { now });
      const zone = await readZone(b.client, "big.test");
      assert.ok(zone);
      const second = exportZoneText(zone, await readZoneRecords(b.client, "big.test", now));
      assert.equal(second, first.out);
    } finally {
      b.client.close();
      await Deno.remove(a.dir, { recursive: true });
      await Deno.remove(b.dir, { recursive: true });
    }
  },
});
