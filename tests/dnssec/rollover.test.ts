/**
 * Issue 13 "Done when": a zone goes through a ZSK rollover (pre-publication)
 * and a KSK rollover (double-DS) while validators query it the whole time
 * and never fail. The zone `roll.parent.test` is served by one node, its
 * parent `parent.test` (signed, the validators' trust anchor) by another; the
 * test plays the parent's operator as a CDS-scanning parent would (RFC 7344):
 * it adds a DS when the child's CDS lists it (then says `dmp zone ds-seen`),
 * and removes one when the CDS stops listing it. Every TTL is 2 s and the
 * rollover waits (`DMP_DNSSEC_*`) are as short, so the roll is real: a
 * validating unbound (stub zones, honouring those TTLs) and delv (its trust
 * anchor the DS set the parent holds at the moment) query throughout; every
 * answer must validate, and the key set must have changed at the end.
 * Because unbound refetches keys after a failed validation and delv keeps no
 * cache, a third loop records what the node serves and when, and checks the
 * RFC 7583 constraints against the caches a resolver could hold (no RRSIG by a
 * key missing from a DNSKEY RRset still cacheable, no DNSKEY signed by a KSK
 * whose DS a cached DS set may lack): without pre-publication this fails.
 *
 * A second test attacks the commands: rollover of an unsigned zone, a bogus
 * or wrong key tag for ds-seen, a rollover from a machine with another
 * sealing key, two rollovers at once, a rollover asked twice: each is
 * refused with its reason and the key table and the journal stay as they were.
 */
import assert from "node:assert/strict";
import { dig, run } from "../_support/dig.ts";
import { dmpOk, runDmp } from "../_support/dmp_cli.ts";
import { dnskeyTags, rrsigKeyTag } from "../_support/dnskey_tags.ts";
import {
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { startUnbound, type UnboundProcess } from "../_support/unbound.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "6e".repeat(32);
const ZONE = "roll.parent.test";
/** Rollover waits: DNSKEY TTL, zone TTL, parent DS TTL 2 s; 2 s for changes to reach the nodes. */
const TIMINGS = {
  DMP_DNSSEC_DNSKEY_TTL: "2",
  DMP_DNSSEC_MAX_ZONE_TTL: "2",
  DMP_DNSSEC_PROPAGATION_DELAY: "2",
  DMP_DNSSEC_PARENT_DS_TTL: "2",
};

const CHILD = `$ORIGIN ${ZONE}.
@ 2 IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 60 60 600 2
@ 2 IN NS ns.${ZONE}.
ns 2 IN A 127.0.0.1
www 2 IN A 192.0.2.10
`;

function dmp(dbUrl: string, ...args: string[]) {
  return dmpWith(SEALING_KEY, dbUrl, ...args);
}

function dmpWith(sealingKey: string, dbUrl: string, ...args: string[]) {
  return runDmp({ DMP_DB_URL: dbUrl, DMP_TSIG_SECRET_KEY: sealingKey, ...TIMINGS }, ...args);
}

/** A DS in the form the parent stores it: "tag alg 2 HEX" (dig splits long digests). */
function dsValue(data: string): string {
  const [tag, alg, digestType, ...hex] = data.split(/\s+/);
  return `${tag} ${alg} ${digestType} ${hex.join("").toUpperCase()}`;
}

Deno.test({
  name: "a ZSK and a KSK rollover with delv and unbound validating throughout",
  ...opts,
  async fn() {
    const parentDb = await freshDatabase();
    const childDb = await freshDatabase();
    const nodes: NodeProcess[] = [];
    let unbound: UnboundProcess | undefined;
    let stop = false;
    const loops: Promise<void>[] = [];
    try {
      // The parent: signed, delegating roll.parent.test with a 2 s DS.
      await dmpOk(dmp(parentDb.url, "zone", "add", "parent.test", "--ns", "ns1.parent.test"));
      await dmpOk(dmp(parentDb.url, "record", "add", ZONE, "NS", `ns.${ZONE}`, "--ttl", "2"));
      await dmpOk(dmp(parentDb.url, "record", "add", `ns.${ZONE}`, "A", "127.0.0.1", "--ttl", "2"));
      await dmpOk(dmp(parentDb.url, "zone", "sign", "parent.test"));
      const parentKey = /^(\S+) \d+ IN (DNSKEY 257 .+)$/m.exec(
        await dmpOk(dmp(parentDb.url, "zone", "ds", "parent.test")),
      )!;
      // The child: every TTL 2 s, signed with a KSK and a ZSK.
      await Deno.writeTextFile(`${childDb.dir}/child.zone`, CHILD);
      await dmpOk(dmp(childDb.url, "zone", "add", ZONE, "--ns", `ns.${ZONE}`));
      await dmpOk(dmp(childDb.url, "zone", "import", ZONE, `${childDb.dir}/child.zone`));
      assert.match(
        await dmpOk(dmp(childDb.url, "zone", "sign", ZONE)),
        /signing on, key (\d+) algorithm 13 \(KSK\), key (\d+) algorithm 13 \(ZSK\)/,
      );
      const parentDs = new Set<string>();
      const addDs = async (ds: string) => {
        parentDs.add(ds);
        await writeAnchors();
        await dmpOk(dmp(parentDb.url, "record", "add", ZONE, "DS", ds, "--ttl", "2"));
      };
      const removeDs = async (ds: string) => {
        parentDs.delete(ds);
        await writeAnchors();
        await dmpOk(dmp(parentDb.url, "record", "delete", ZONE, "DS", ds));
      };
      // delv's trust anchor is the DS set the parent holds now (static-ds, BIND 9.16+).
      let anchors = "";
      let anchorFiles = 0;
      const writeAnchors = async () => {
        const file = `${childDb.dir}/anchors-${++anchorFiles}.conf`;
        const lines = [...parentDs].map((ds) => {
          const [tag, alg, type, hex] = ds.split(" ");
          return `  ${ZONE}. static-ds ${tag} ${alg} ${type} "${hex}";\n`;
        });
        await Deno.writeTextFile(file, `trust-anchors {\n${lines.join("")}};\n`);
        anchors = file;
      };
      const initialDs = /IN DS (.+)$/m.exec(await dmpOk(dmp(childDb.url, "zone", "ds", ZONE)))![1];
      await addDs(initialDs);

      const env = { DMP_TSIG_SECRET_KEY: SEALING_KEY, ...TIMINGS };
      const parent = await startNodeProcess({ dbUrl: parentDb.url, dir: parentDb.dir, env });
      nodes.push(parent);
      const child = await startNodeProcess({ dbUrl: childDb.url, dir: childDb.dir, env });
      nodes.push(child);
      unbound = await startUnbound({
        anchor: `${parentKey[1]} IN ${parentKey[2]}`,
        stubs: { "parent.test": parent.dnsPort, [ZONE]: child.dnsPort },
        lifetimeMs: 170_000,
      });
      const u = unbound;
      const validated = await waitFor(async () => {
        const r = await dig(u.port, `www.${ZONE}`, "A", ["+dnssec", "+rec"]);
        return r.flags.includes("ad");
      }, 15_000);
      assert.ok(validated, `unbound validates before the roll:\n${u.logs()}`);

      // The validators, querying until the end: every answer must validate.
      const failures: string[] = [];
      const counts = { unbound: 0, delv: 0 };
      const started = Date.now();
      const at = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
      const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
      loops.push((async () => {
        const asks: [string, string][] = [
          [`www.${ZONE}`, "A"],
          [`nope.${ZONE}`, "A"],
          [ZONE, "DNSKEY"],
        ];
        while (!stop) {
          for (const [name, type] of asks) {
            const r = await dig(u.port, name, type, ["+dnssec", "+rec"]);
            counts.unbound++;
            if (r.status !== "NOERROR" || !r.flags.includes("ad")) {
              failures.push(`${at()} unbound ${name} ${type}: ${r.raw}`);
            }
          }
          await pause(150);
        }
      })());
      loops.push((async () => {
        const asks: [string, string][] = [[`www.${ZONE}`, "A"], [ZONE, "DNSKEY"]];
        while (!stop) {
          for (const [name, type] of asks) {
            const file = anchors;
            const r = await run("delv", [
              "@127.0.0.1",
              "-p",
              String(child.dnsPort),
              "-a",
              file,
              `+root=${ZONE}`,
              name,
              type,
            ]);
            counts.delv++;
            if (!/; fully validated/.test(r.stdout)) {
              failures.push(`${at()} delv ${name} ${type} (${file}): ${r.stdout}${r.stderr}`);
            }
          }
          await pause(200);
        }
      })());

      // The strict observer: what the node served and when, checked below against the caches a
      // validator that never refetches early could hold (RFC 7583 §3.2.1, §3.3.2). unbound
      // refetches keys after a failed validation and delv does not cache, so both could pass a
      // roll whose steps come too early; these checks cannot.
      const seenDnskey: { t: number; tags: number[]; signer: number }[] = [];
      const seenZoneSig: { t: number; tag: number; ttl: number }[] = [];
      loops.push((async () => {
        while (!stop) {
          const k = await dig(child.dnsPort, ZONE, "DNSKEY", ["+dnssec"]);
          const tk = Date.now() / 1000;
          const sigK = k.answer.find((a) => a.type === "RRSIG");
          seenDnskey.push({
            t: tk,
            tags: dnskeyTags(k.answer.filter((a) => a.type === "DNSKEY").map((a) => a.data)),
            signer: sigK ? Number(sigK.data.split(/\s+/)[6]) : -1,
          });
          const before = Date.now() / 1000;
          const w = await dig(child.dnsPort, `www.${ZONE}`, "A", ["+dnssec"]);
          const sigW = w.answer.find((a) => a.type === "RRSIG");
          seenZoneSig.push({
            t: before,
            tag: sigW ? Number(sigW.data.split(/\s+/)[6]) : -1,
            ttl: 2,
          });
          await pause(100);
        }
      })());

      const apex = async (type: string) =>
        (await dig(child.dnsPort, ZONE, type, ["+dnssec"])).answer;
      const tagsOf = async () =>
        dnskeyTags((await apex("DNSKEY")).filter((a) => a.type === "DNSKEY").map((a) => a.data));
      const signerOf = async (name: string, type: string) =>
        rrsigKeyTag(await dig(child.dnsPort, name, type, ["+dnssec"]));
      const [ksk1, zsk1] = await (async () => {
        const tags = await tagsOf();
        const k = await signerOf(ZONE, "DNSKEY");
        return [k, tags.find((t) => t !== k)!];
      })();
      assert.equal(await signerOf(`www.${ZONE}`, "A"), zsk1);

      // ZSK rollover: the new ZSK is published first, signs later, the old one leaves last.
      const zskOut = await dmpOk(dmp(childDb.url, "zone", "rollover", ZONE, "--zsk"));
      const zsk2 = Number(/rollover started, new key (\d+)/.exec(zskOut)![1]);
      // The command shows each key's state and next step as it wrote them.
      assert.match(
        zskOut,
        new RegExp(
          `key ${zsk2} algorithm 13 flags 256 \\(ZSK\\) published .*next: active at \\d{4}-`,
        ),
      );
      assert.match(
        zskOut,
        new RegExp(`key ${zsk1} .*\\(ZSK\\) active signs zone .*next: stops signing zone data at`),
      );
      const seen = { prepublished: false };
      assert.ok(
        await waitFor(async () => {
          const tags = await tagsOf();
          if (tags.includes(zsk1) && tags.includes(zsk2)) {
            if (await signerOf(`www.${ZONE}`, "A") === zsk1) seen.prepublished = true;
          }
          return (await signerOf(`www.${ZONE}`, "A")) === zsk2 && !tags.includes(zsk1);
        }, 40_000),
        "the ZSK roll completes",
      );
      assert.ok(seen.prepublished, "the new ZSK was published before it signed");
      assert.deepEqual(await tagsOf(), [ksk1, zsk2].sort((a, b) => a - b));

      // KSK rollover by double-DS, the test playing the parent (it follows the CDS).
      const kskOut = await dmpOk(dmp(childDb.url, "zone", "rollover", ZONE, "--ksk"));
      const ksk2 = Number(/rollover started, new key (\d+)/.exec(kskOut)![1]);
      assert.match(
        kskOut,
        new RegExp(`key ${ksk2} algorithm 13 flags 257 \\(KSK\\) ds-pending.*next: .*ds-seen`),
      );
      const steps: string[] = [];
      const dsServedAt = new Map<number, number>();
      const dsRemovedAt = new Map<number, number>();
      const rolled = await waitFor(async () => {
        const cds = new Set(
          (await apex("CDS")).filter((a) => a.type === "CDS").map((a) => dsValue(a.data)),
        );
        for (const ds of cds) {
          if (parentDs.has(ds)) continue;
          // The node lists a DS to add: `dmp zone ds` shows both during the roll.
          const listed = await dmpOk(dmp(childDb.url, "zone", "ds", ZONE));
          assert.equal(listed.match(/ IN DS /g)?.length, 2, listed);
          await addDs(ds);
          const served = await waitFor(async () => {
            const r = await dig(parent.dnsPort, ZONE, "DS");
            return r.answer.some((a) => a.type === "DS" && dsValue(a.data) === ds);
          }, 10_000);
          assert.ok(served, "the parent serves the new DS");
          dsServedAt.set(Number(ds.split(" ")[0]), Date.now() / 1000);
          await dmpOk(dmp(childDb.url, "zone", "ds-seen", ZONE, ds.split(" ")[0]));
          steps.push(`added ${ds.split(" ")[0]}`);
        }
        for (const ds of [...parentDs]) {
          if (cds.has(ds) || cds.size === 0) continue;
          // The DNSKEY RRset is signed by the new KSK by now (the node withdrew the old DS).
          assert.equal(await signerOf(ZONE, "DNSKEY"), ksk2);
          dsRemovedAt.set(Number(ds.split(" ")[0]), Date.now() / 1000);
          await removeDs(ds);
          steps.push(`removed ${ds.split(" ")[0]}`);
        }
        const tags = await tagsOf();
        return parentDs.size === 1 && !tags.includes(ksk1) && tags.includes(ksk2);
      }, 60_000);
      assert.ok(rolled, `the KSK roll completes: ${steps.join(", ")}`);
      assert.deepEqual(steps, [`added ${ksk2}`, `removed ${ksk1}`]);
      // Validators keep going past the last change (their caches of the old state expire).
      await pause(5000);
      stop = true;
      await Promise.all(loops);

      assert.deepEqual(failures, [], failures.join("\n"));
      // Timing model (0.5 s allowed for the time between a node answering and the test noting it).
      const slack = 0.5;
      const ttl = 2;
      const violations: string[] = [];
      for (const z of seenZoneSig) {
        for (const d of seenDnskey) {
          // A DNSKEY RRset cached when the signature arrives must hold its key (pre-publication).
          if (d.t <= z.t && d.t + ttl > z.t + slack && !d.tags.includes(z.tag)) {
            violations.push(`RRSIG by ${z.tag} at ${z.t} but DNSKEY {${d.tags}} of ${d.t} cached`);
          }
          // A signature still cached must find its key in the DNSKEY RRset (retirement).
          if (d.t >= z.t && d.t + slack < z.t + z.ttl && !d.tags.includes(z.tag)) {
            violations.push(`RRSIG by ${z.tag} of ${z.t} cached but DNSKEY {${d.tags}} at ${d.t}`);
          }
        }
      }
      for (const d of seenDnskey) {
        // The KSK signing DNSKEY has its DS in every DS set a resolver may have cached.
        const served = dsServedAt.get(d.signer);
        if (served !== undefined && served + ttl > d.t + slack) {
          violations.push(`DNSKEY signed by ${d.signer} at ${d.t}, its DS served from ${served}`);
        }
        const removed = dsRemovedAt.get(d.signer);
        if (removed !== undefined && d.t + ttl > removed + slack) {
          violations.push(`DNSKEY signed by ${d.signer} at ${d.t}, its DS removed at ${removed}`);
        }
      }
      assert.deepEqual(violations.slice(0, 20), [], `${violations.length} timing violations`);
      assert.ok(seenDnskey.length > 50 && seenZoneSig.length > 50);
      assert.ok(counts.unbound > 60 && counts.delv > 20, JSON.stringify(counts));
      assert.deepEqual(await tagsOf(), [ksk2, zsk2].sort((a, b) => a - b));
      assert.equal(await signerOf(ZONE, "DNSKEY"), ksk2);
      assert.equal(await signerOf(`www.${ZONE}`, "A"), zsk2);
      // The old DS alone no longer leads anywhere: the KSK really changed.
      parentDs.clear();
      parentDs.add(initialDs);
      await writeAnchors();
      const old = await run("delv", [
        "@127.0.0.1",
        "-p",
        String(child.dnsPort),
        "-a",
        anchors,
        `+root=${ZONE}`,
        `www.${ZONE}`,
        "A",
      ]);
      assert.doesNotMatch(old.stdout, /fully validated/, old.stdout);
      const status = await dmpOk(dmp(childDb.url, "zone", "dnssec-status", ZONE));
      assert.match(status, new RegExp(`key ${ksk1} .* removed`));
      assert.match(status, new RegExp(`key ${ksk2} .*\\(KSK\\) active signs keys`));
      assert.match(status, new RegExp(`key ${zsk2} .*\\(ZSK\\) active signs zone`));
    } finally {
      stop = true;
      await Promise.allSettled(loops);
      await unbound?.stop();
      for (const n of nodes) await n.stop();
      parentDb.client.close();
      childDb.client.close();
    }
  },
});

Deno.test({
  name:
    "rollover attacks: unsigned zone, bogus ds-seen tags, concurrent and repeated rollovers change nothing",
  ...opts,
  async fn() {
    const db = await freshDatabase();
    try {
      await dmpOk(dmp(db.url, "zone", "add", "plain.test", "--ns", "ns1.plain.test"));
      await dmpOk(dmp(db.url, "zone", "add", "signed.test", "--ns", "ns1.signed.test"));
      const snapshot = async () => {
        const keys = await db.client.execute(
          "SELECT * FROM dnssec_keys ORDER BY zone, key_tag",
        );
        const journal = await db.client.execute("SELECT COUNT(*) AS n FROM journal");
        return JSON.stringify([keys.rows, journal.rows]);
      };
      const refused = async (args: string[], error: RegExp, code = 1, sealing = SEALING_KEY) => {
        const before = await snapshot();
        const r = await dmpWith(sealing, db.url, ...args);
        assert.equal(r.code, code, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, error);
        assert.equal(await snapshot(), before, `${args.join(" ")} changed the store`);
      };
      await refused(["zone", "rollover", "plain.test", "--zsk"], /the zone is not signed/);
      await refused(["zone", "rollover", "nosuch.test", "--ksk"], /no zone nosuch\.test/);
      await refused(["zone", "rollover", "plain.test"], /exactly one of --zsk .* or --ksk/, 2);
      await refused(["zone", "rollover", "plain.test", "--zsk", "--ksk"], /exactly one of/, 2);
      await refused(["zone", "ds-seen", "plain.test", "12345"], /the zone is not signed/);

      await dmpOk(dmp(db.url, "zone", "sign", "signed.test"));
      const rows = (await db.client.execute(
        "SELECT key_tag, role FROM dnssec_keys WHERE zone = 'signed.test'",
      )).rows;
      const tags = Array.from(rows, (r) => ({ tag: Number(r.key_tag), role: String(r.role) }));
      const zsk = tags.find((t) => t.role === "zsk")!.tag;
      const ksk = tags.find((t) => t.role === "ksk")!.tag;
      const bogus = [...Array(65536).keys()].find((t) => t !== zsk && t !== ksk)!;
      await refused(["zone", "ds-seen", "signed.test", String(bogus)], /no key with tag/);
      await refused(["zone", "ds-seen", "signed.test", String(zsk)], /is a ZSK/);
      await refused(["zone", "ds-seen", "signed.test", String(ksk)], /not waiting for its DS/);
      await refused(
        ["zone", "ds-seen", "signed.test", "65536"],
        /KEYTAG 65536: expected a key tag/,
        2,
      );
      await refused(["zone", "ds-seen", "signed.test", "--", "-1"], /KEYTAG -1: expected/, 2);
      await refused(["zone", "ds-seen", "signed.test", "0x10"], /KEYTAG 0x10: expected/, 2);
      await refused(["zone", "ds-seen", "signed.test"], /ZONE and KEYTAG are required/, 2);

      // A machine with another sealing key would make a key no node can open: refused.
      await refused(
        ["zone", "rollover", "signed.test", "--zsk"],
        /cannot be opened with this sealing key/,
        1,
        "99".repeat(32),
      );

      // Two rollovers at once: one starts, the other is refused, one new key in all.
      const both = await Promise.all([
        dmp(db.url, "zone", "rollover", "signed.test", "--zsk"),
        dmp(db.url, "zone", "rollover", "signed.test", "--ksk"),
      ]);
      assert.deepEqual(both.map((r) => r.code).sort(), [0, 1], JSON.stringify(both));
      const loser = both.find((r) => r.code === 1)!;
      assert.match(loser.stderr, /a rollover is already in progress/);
      const count = await db.client.execute(
        "SELECT COUNT(*) AS n FROM dnssec_keys WHERE zone = 'signed.test'",
      );
      assert.equal(Number(count.rows[0].n), 3);
      // Asked again while it runs: refused, nothing written.
      await refused(["zone", "rollover", "signed.test", "--zsk"], /already in progress/);
      await refused(["zone", "rollover", "signed.test", "--ksk"], /already in progress/);
    } finally {
      db.client.close();
    }
  },
});
