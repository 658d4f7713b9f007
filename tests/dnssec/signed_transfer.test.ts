/**
 * Issue 13 item 3: the transfer of a signed zone is the zone signed the
 * conventional way (DNSKEY/CDS/CDNSKEY, an RRSIG on every authoritative
 * RRset, a full NSEC chain), so a secondary serves it without the key. A
 * zone is signed on a node; Knot transfers it as a TSIG secondary, validates
 * every transfer (`dnssec-validation: on`: signatures and NSEC chain) and
 * serves it as received (its RRSIGs are the node's bytes, not its own);
 * `ldns-verify-zone` accepts the AXFR content; `delv` with the zone's key as
 * trust anchor fully validates positive, NXDOMAIN (a real NSEC proof from
 * the chain), NODATA, empty non-terminal, wildcard, CNAME, DNAME and DS
 * answers fetched from Knot; DMP values with different lifetimes in one
 * RRset go out with one TTL (the one their RRSIG covers). Knot Resolver
 * (forwarding to Knot) validates the same, NXDOMAIN included. NSD and BIND
 * secondaries serve it as received too (delv validates them). After a
 * change at the node, NOTIFY makes Knot transfer again (IXFR of a signed
 * zone is answered with the whole zone) and the new name validates.
 */
import assert from "node:assert/strict";
import { encodeBase64 } from "../../packages/core/dmp/base64_strict.ts";
import { dig, run } from "../_support/dig.ts";
import { dmpOk, runDmp } from "../_support/dmp_cli.ts";
import { dnskeyTags, rrsigKeyTag } from "../_support/dnskey_tags.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";
import { type Secondary, startSecondary } from "../_support/secondaries.ts";
import { type KresdProcess, startKresd } from "../_support/kresd.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "7e".repeat(32);
const ZONE = "signed.test";
const XFR_KEY = "xfr-key";
const XFR_SECRET = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));

const ZONE_FILE = `$ORIGIN signed.test.
@ 3600 IN NS ns1.signed.test.
@ 300 IN MX 10 mail.signed.test.
ns1 3600 IN A 192.0.2.53
mail 300 IN A 192.0.2.25
www 300 IN A 192.0.2.10
www 300 IN A 192.0.2.11
*.wild 300 IN TXT "wildcard"
alias 300 IN CNAME www.signed.test.
a.b.ent 300 IN A 192.0.2.12
insecure 3600 IN NS ns.insecure.signed.test.
ns.insecure 3600 IN A 192.0.2.54
secure 3600 IN NS ns.secure.signed.test.
secure 3600 IN DS 12345 13 2 ${"ab".repeat(32)}
ns.secure 3600 IN A 192.0.2.55
old 300 IN DNAME new.signed.test.
www.new 300 IN A 192.0.2.13
0a 300 IN A 192.0.2.14
_sip._udp 300 IN SRV 0 5 5060 www.signed.test.
a-b 300 IN A 192.0.2.15
z9 300 IN A 192.0.2.16
`;

/**
 * Rollover waits of a few seconds (the defaults are hours), for the roll below. The new ZSK is
 * pre-published for DNSKEY TTL + propagation delay (RFC 7583 §3.3.1): 9 s. With that window,
 * 3 runs of 5 caught a bug that a 6 s window showed once in a CI run: the record added just
 * before `zone rollover`, in the same second, kept the re-sign check from moving the serial,
 * so Knot never served the new key before it signed (the rollover's own write moves it now,
 * packages/core/store/dnssec_keys.ts).
 */
const SHORT_ROLL = {
  DMP_DNSSEC_DNSKEY_TTL: "3",
  DMP_DNSSEC_PROPAGATION_DELAY: "6",
  DMP_DNSSEC_MAX_ZONE_TTL: "3",
};

function dmp(dbUrl: string, ...args: string[]) {
  return runDmp({ DMP_DB_URL: dbUrl, DMP_TSIG_SECRET_KEY: SEALING_KEY, ...SHORT_ROLL }, ...args);
}

async function serialAt(port: number): Promise<number | undefined> {
  const r = await dig(port, ZONE, "SOA");
  const soa = r.answer.find((a) => a.type === "SOA");
  return soa ? Number(soa.data.split(/\s+/)[2]) : undefined;
}

/** RR lines of an AXFR from the node, as `dig` prints them (one SOA). */
async function axfr(port: number): Promise<string[]> {
  const r = await run("dig", [
    "@127.0.0.1",
    "-p",
    String(port),
    "-y",
    `hmac-sha256:${XFR_KEY}:${XFR_SECRET}`,
    ZONE,
    "AXFR",
    "+onesoa",
    "+nocmd",
    "+nocomments",
    "+nostats",
  ], { timeoutMs: 30000 });
  assert.equal(r.code, 0, r.stderr);
  // dig prints each message's TSIG too: not zone data.
  return r.stdout.split("\n").filter((l) => l !== "" && !l.startsWith(";") && !/\sTSIG\s/.test(l));
}

/** `[owner, type, rdata]` of each line. */
function fields(lines: string[]): [string, string, string][] {
  return lines.map((l) => {
    const m = /^(\S+)\s+\d+\s+IN\s+(\S+)\s+(.*)$/.exec(l);
    assert.ok(m, `unreadable line ${l}`);
    return [m[1], m[2], m[3]];
  });
}

Deno.test({
  name:
    "a signed zone transfers signed to Knot, NSD and BIND; ldns-verify-zone, delv and kresd accept it",
  ...opts,
  async fn(t) {
    // A missing tool fails with the package to install (never a skip).
    for (
      const [tool, pkg] of [
        ["ldns-verify-zone", "ldnsutils"],
        ["knotd", "knot"],
        ["delv", "bind9-dnsutils"],
        ["kresd", "knot-resolver"],
      ]
    ) {
      const found = await run("sh", ["-c", `command -v ${tool}`]);
      assert.equal(found.code, 0, `${tool} is not installed: apt-get install ${pkg}`);
    }
    const db = await freshDatabase();
    let node: NodeProcess | undefined;
    let knot: Secondary | undefined;
    let kresd: KresdProcess | undefined;
    try {
      await Deno.writeTextFile(`${db.dir}/signed.zone`, ZONE_FILE);
      await dmpOk(dmp(db.url, "zone", "add", ZONE, "--ns", `ns1.${ZONE}`));
      await dmpOk(dmp(db.url, "zone", "import", ZONE, `${db.dir}/signed.zone`));
      // DMP values with lifetimes: one RRset, TTLs from what is left of each (signed with one TTL).
      await dmpOk(
        dmp(
          db.url,
          "record",
          "add",
          `dmp.${ZONE}`,
          "TXT",
          "v=dmp1;a",
          "--ttl",
          "3600",
          "--lifetime",
          "7200",
        ),
      );
      await dmpOk(
        dmp(
          db.url,
          "record",
          "add",
          `dmp.${ZONE}`,
          "TXT",
          "v=dmp1;b",
          "--ttl",
          "3600",
          "--lifetime",
          "900",
        ),
      );
      const listed = JSON.parse(await dmpOk(dmp(db.url, "zone", "list", "--json")));
      const unsignedSerial: number = listed.find((z: { name: string }) => z.name === ZONE).serial;
      await dmpOk(dmp(db.url, "zone", "sign", ZONE));
      const ds = await dmpOk(dmp(db.url, "zone", "ds", ZONE));
      const key = /DNSKEY (\d+) (\d+) (\d+) (\S+)$/m.exec(ds)!;
      await dmpOk(
        dmp(db.url, "key", "import", XFR_KEY, "--algorithm", "hmac-sha256", "--secret", XFR_SECRET),
      );
      const knotPort = await freePort();
      await dmpOk(
        dmp(
          db.url,
          "zone",
          "transfer",
          ZONE,
          "--allow-key",
          XFR_KEY,
          "--notify",
          `127.0.0.1:${knotPort}@${XFR_KEY}`,
        ),
      );
      node = await startNodeProcess({
        dbUrl: db.url,
        dir: db.dir,
        // TTLs of DMP values up to an hour, so the two values' TTLs differ (3600 and < 900).
        env: { DMP_TSIG_SECRET_KEY: SEALING_KEY, DMP_DNS_TTL: "3600" },
      });
      const serial = await serialAt(node.dnsPort);
      assert.ok(serial !== undefined);
      // Signing changes what a transfer sends, so it moves the serial (secondaries follow).
      assert.notEqual(serial, unsignedSerial, "signing moves the serial");
      knot = await startSecondary("knot", {
        zone: ZONE,
        primaryPort: node.dnsPort,
        key: { name: XFR_KEY, secret: XFR_SECRET },
        port: knotPort,
        // Knot checks every signature and the NSEC chain of each transfer, and refuses a bad one.
        dnssecValidation: true,
      });
      const k = knot;
      assert.ok(
        await waitFor(async () => await serialAt(k.port) === serial, 20000),
        `Knot did not transfer serial ${serial}:\n${await k.logs()}`,
      );
      assert.match(await k.logs(), /DNSSEC, validation successful/);

      const lines = await axfr(node.dnsPort);
      const rrs = fields(lines);
      await t.step("the AXFR carries keys, RRSIGs and a full NSEC chain", () => {
        const at = (owner: string, type: string) =>
          rrs.filter(([o, t]) => o === `${owner}.` && t === type);
        const covered = (owner: string, type: string) =>
          at(owner, "RRSIG").some(([, , d]) => d.startsWith(`${type} `));
        // A KSK and a ZSK; CDS and CDNSKEY name the KSK only (RFC 7344 §3).
        assert.equal(at(ZONE, "DNSKEY").length, 2);
        assert.equal(at(ZONE, "CDS").length, 1);
        assert.equal(at(ZONE, "CDNSKEY").length, 1);
        assert.match(at(ZONE, "CDNSKEY")[0][2], /^257 /);
        for (const [o, ty] of [[ZONE, "SOA"], [ZONE, "NS"], [ZONE, "MX"], [ZONE, "DNSKEY"]]) {
          assert.ok(covered(o, ty), `${o} ${ty} unsigned`);
        }
        assert.ok(covered(`www.${ZONE}`, "A"));
        assert.ok(covered(`dmp.${ZONE}`, "TXT"));
        // The TXT RRs and their RRSIG share one TTL: the shorter lifetime's remainder.
        const dmpTtls = lines.filter((l) =>
          /^dmp\.signed\.test\.\s+\d+\s+IN\s+(TXT|RRSIG\s+TXT)\s/.test(l)
        )
          .map((l) => Number(l.split(/\s+/)[1]));
        assert.equal(dmpTtls.length, 3);
        assert.equal(new Set(dmpTtls).size, 1, "one TTL per RRset");
        assert.ok(dmpTtls[0] > 0 && dmpTtls[0] <= 900, `${dmpTtls}`);
        assert.ok(covered(`*.wild.${ZONE}`, "TXT"));
        assert.ok(covered(`secure.${ZONE}`, "DS"), "DS at a delegation is signed");
        assert.ok(!covered(`secure.${ZONE}`, "NS"), "delegation NS unsigned");
        assert.ok(!covered(`insecure.${ZONE}`, "NS"), "delegation NS unsigned");
        assert.equal(at(`ns.insecure.${ZONE}`, "RRSIG").length, 0, "glue unsigned");
        assert.equal(at(`ns.insecure.${ZONE}`, "NSEC").length, 0, "glue has no NSEC");
        assert.equal(at(`b.ent.${ZONE}`, "NSEC").length, 0, "an empty non-terminal has no NSEC");
        assert.ok(covered(`old.${ZONE}`, "DNAME"));
        // The chain, in canonical order, closing at the apex.
        const chain = rrs.filter(([, t]) => t === "NSEC").map(([o, , d]) => [o, d.split(" ")[0]]);
        assert.deepEqual(chain.map(([o]) => o), [
          // Octet order within a label: digits < "_" < letters, "-" < letters.
          `${ZONE}.`,
          `0a.${ZONE}.`,
          `_sip._udp.${ZONE}.`,
          `a-b.${ZONE}.`,
          `alias.${ZONE}.`,
          `dmp.${ZONE}.`,
          `a.b.ent.${ZONE}.`,
          `insecure.${ZONE}.`,
          `mail.${ZONE}.`,
          `www.new.${ZONE}.`,
          `ns1.${ZONE}.`,
          `old.${ZONE}.`,
          `secure.${ZONE}.`,
          `*.wild.${ZONE}.`,
          `www.${ZONE}.`,
          `z9.${ZONE}.`,
        ]);
        for (let i = 0; i < chain.length; i++) {
          assert.equal(chain[i][1], chain[(i + 1) % chain.length][0]);
        }
        assert.match(
          at(`insecure.${ZONE}`, "NSEC")[0][2],
          /^mail\.signed\.test\. NS RRSIG NSEC$/,
        );
        assert.match(at(`secure.${ZONE}`, "NSEC")[0][2], / NS DS RRSIG NSEC$/);
        assert.match(at(ZONE, "NSEC")[0][2], / NS SOA MX RRSIG NSEC DNSKEY CDS CDNSKEY$/);
        // Signatures outlive the re-sign period by two weeks.
        for (const [, , d] of rrs.filter(([, t]) => t === "RRSIG")) {
          const expiration = d.split(" ")[4];
          const ms = Date.UTC(
            +expiration.slice(0, 4),
            +expiration.slice(4, 6) - 1,
            +expiration.slice(6, 8),
          );
          assert.ok(ms - Date.now() > 20 * 86400_000, `RRSIG expires too soon: ${d}`);
        }
      });

      await t.step("ldns-verify-zone accepts the transferred zone", async () => {
        const file = `${db.dir}/axfr.zone`;
        await Deno.writeTextFile(file, lines.join("\n") + "\n");
        const plain = await run("ldns-verify-zone", [file]);
        assert.equal(plain.code, 0, plain.stdout + plain.stderr);
        assert.match(plain.stdout + plain.stderr, /Zone is verified and complete/);
        // With the zone's key as the trust anchor too.
        const anchor = `${db.dir}/anchor.key`;
        await Deno.writeTextFile(
          anchor,
          `${ZONE}. 3600 IN DNSKEY ${key[1]} ${key[2]} ${key[3]} ${key[4]}\n`,
        );
        const anchored = await run("ldns-verify-zone", ["-k", anchor, file]);
        assert.equal(anchored.code, 0, anchored.stdout + anchored.stderr);
        // A broken signature is caught (the check is real).
        const i = lines.findIndex((l) => /\sIN\s+A\s+192\.0\.2\.10$/.test(l));
        const bad = [...lines];
        bad[i] = bad[i].replace("192.0.2.10", "192.0.2.99");
        await Deno.writeTextFile(file, bad.join("\n") + "\n");
        const broken = await run("ldns-verify-zone", [file]);
        assert.notEqual(broken.code, 0, broken.stdout + broken.stderr);
      });

      await t.step("Knot serves the node's signatures, not its own", async () => {
        const r = await dig(knot!.port, `www.${ZONE}`, "A", ["+dnssec"]);
        assert.equal(r.status, "NOERROR", r.raw);
        const sig = r.answer.find((a) => a.type === "RRSIG");
        assert.ok(sig, r.raw);
        const ours = rrs.find(([o, ty, d]) =>
          o === `www.${ZONE}.` && ty === "RRSIG" && d.startsWith("A ")
        )!;
        assert.equal(sig.data.replace(/\s+/g, ""), ours[2].replace(/\s+/g, ""));
        // A real NSEC chain: NXDOMAIN with covering NSECs, not compact denial.
        const nx = await dig(knot!.port, `nope.${ZONE}`, "A", ["+dnssec"]);
        assert.equal(nx.status, "NXDOMAIN", nx.raw);
        const nsecs = nx.authority.filter((a) => a.type === "NSEC");
        assert.ok(nsecs.length >= 1, nx.raw);
        assert.ok(nsecs.every((n) => !/\\000|NXNAME|TYPE128/.test(n.data)), nx.raw);
      });

      const anchors = `${db.dir}/anchors.conf`;
      await Deno.writeTextFile(
        anchors,
        `trust-anchors { ${ZONE}. static-key ${key[1]} ${key[2]} ${key[3]} "${key[4]}"; };\n`,
      );
      const delv = (name: string, type: string) =>
        run("delv", [
          "@127.0.0.1",
          "-p",
          String(knot!.port),
          "-a",
          anchors,
          `+root=${ZONE}`,
          name,
          type,
        ]);
      await t.step("delv fully validates answers from Knot", async () => {
        const cases: [string, string, RegExp][] = [
          [
            `www.${ZONE}`,
            "A",
            /; fully validated\nwww\.signed\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1[01]/,
          ],
          [ZONE, "DNSKEY", /; fully validated\nsigned\.test\.\s+3600\s+IN\s+DNSKEY\s+25[67] 3/],
          [ZONE, "MX", /; fully validated\nsigned\.test\.\s+300\s+IN\s+MX\s+10 mail/],
          [`nope.${ZONE}`, "A", /; negative response, fully validated\n.*NXDOMAIN/],
          [`zzz.${ZONE}`, "A", /; negative response, fully validated\n.*NXDOMAIN/],
          [`www.${ZONE}`, "TXT", /; negative response, fully validated\n.*NXRRSET/],
          [`b.ent.${ZONE}`, "A", /; negative response, fully validated\n.*NXRRSET/],
          [
            `x.wild.${ZONE}`,
            "TXT",
            // The TTL is capped by the NSEC that proves the expansion (60), so any.
            /; fully validated\nx\.wild\.signed\.test\.\s+\d+\s+IN\s+TXT\s+"wildcard"/,
          ],
          [`x.wild.${ZONE}`, "A", /; negative response, fully validated/],
          [`alias.${ZONE}`, "A", /; fully validated\nalias\.signed\.test\.\s+300\s+IN\s+CNAME/],
          [
            `www.old.${ZONE}`,
            "A",
            /; fully validated\n\S+\s+300\s+IN\s+DNAME\s+new\.signed\.test\./,
          ],
          [`insecure.${ZONE}`, "DS", /; negative response, fully validated/],
          [`secure.${ZONE}`, "DS", /; fully validated\nsecure\.signed\.test\.\s+3600\s+IN\s+DS/],
        ];
        for (const [name, type, want] of cases) {
          const r = await delv(name, type);
          assert.match(r.stdout + r.stderr, want, `${name} ${type}:\n${r.stdout}${r.stderr}`);
        }
      });

      await t.step(
        "Knot Resolver validates Knot's answers, NXDOMAIN from the chain too",
        async () => {
          kresd = await startKresd({
            anchor: `${ZONE}. IN DNSKEY ${key[1]} ${key[2]} ${key[3]} ${key[4]}`,
            forwards: { [ZONE]: knot!.port },
          });
          const ask = (name: string, type: string) =>
            dig(kresd!.port, name, type, ["+dnssec", "+rec"]);
          for (
            const [name, type, status] of [
              [`www.${ZONE}`, "A", "NOERROR"],
              [`nope.${ZONE}`, "A", "NXDOMAIN"],
              [`www.${ZONE}`, "TXT", "NOERROR"],
              [`b.ent.${ZONE}`, "A", "NOERROR"],
              [`x.wild.${ZONE}`, "TXT", "NOERROR"],
              [`alias.${ZONE}`, "A", "NOERROR"],
              [`insecure.${ZONE}`, "DS", "NOERROR"],
            ]
          ) {
            const r = await ask(name, type);
            assert.equal(r.status, status, `${name} ${type}: ${r.raw}`);
            assert.ok(r.flags.includes("ad"), `${name} ${type} not validated: ${r.raw}`);
          }
        },
      );

      await t.step("NSD and BIND secondaries serve the signed zone as received too", async () => {
        for (const kind of ["nsd", "bind"] as const) {
          const s = await startSecondary(kind, {
            zone: ZONE,
            primaryPort: node!.dnsPort,
            key: { name: XFR_KEY, secret: XFR_SECRET },
          });
          try {
            assert.ok(
              await waitFor(async () => await serialAt(s.port) === serial, 20000),
              `${kind} did not transfer serial ${serial}:\n${await s.logs()}`,
            );
            const r = await dig(s.port, `www.${ZONE}`, "A", ["+dnssec"]);
            const sig = r.answer.find((a) => a.type === "RRSIG");
            assert.ok(sig, r.raw);
            const ours = rrs.find(([o, ty, d]) =>
              o === `www.${ZONE}.` && ty === "RRSIG" && d.startsWith("A ")
            )!;
            assert.equal(sig.data.replace(/\s+/g, ""), ours[2].replace(/\s+/g, ""), kind);
            for (
              const [name, type, want] of [
                [`nope.${ZONE}`, "A", /; negative response, fully validated\n.*NXDOMAIN/],
                [`x.wild.${ZONE}`, "TXT", /; fully validated\n.*"wildcard"/],
                [`b.ent.${ZONE}`, "A", /; negative response, fully validated/],
              ] as const
            ) {
              const v = await run("delv", [
                "@127.0.0.1",
                "-p",
                String(s.port),
                "-a",
                anchors,
                `+root=${ZONE}`,
                name,
                type,
              ]);
              assert.match(
                v.stdout + v.stderr,
                want,
                `${kind} ${name} ${type}:\n${v.stdout}${v.stderr}`,
              );
            }
          } finally {
            await s.stop();
          }
        }
      });

      await t.step("a change reaches Knot signed (NOTIFY, then the whole zone)", async () => {
        await dmpOk(dmp(db.url, "record", "add", `new.${ZONE}`, "A", "192.0.2.66"));
        assert.ok(
          await waitFor(async () => {
            const s = await serialAt(knot!.port);
            return s !== undefined && s !== serial;
          }, 20000),
          `Knot did not follow:\n${await knot!.logs()}`,
        );
        const r = await delv(`new.${ZONE}`, "A");
        assert.match(
          r.stdout,
          /; fully validated\nnew\.signed\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.66/,
        );
        const nx = await delv(`new0.${ZONE}`, "A");
        assert.match(nx.stdout + nx.stderr, /; negative response, fully validated/);
        // Knot validated the new version too, and asked for the differences and got the whole
        // signed zone (RFC 1995 §4).
        const validated = (await knot!.logs()).match(/DNSSEC, validation successful/g) ?? [];
        assert.ok(validated.length >= 2, `${validated.length} validations`);
        assert.doesNotMatch(await knot!.logs(), /DNSSEC, validation failed/);
        assert.match(node!.logs(), /IXFR \(full zone\) of signed\.test sent/);
      });

      await t.step(
        "a ZSK rollover reaches Knot with no change to the zone: the new key published, then signing",
        async () => {
          const atKnot = (name: string, type: string) => dig(knot!.port, name, type, ["+dnssec"]);
          const tags = async () =>
            dnskeyTags(
              (await atKnot(ZONE, "DNSKEY")).answer.filter((a) => a.type === "DNSKEY")
                .map((a) => a.data),
            );
          const before = await tags();
          const zsk1 = rrsigKeyTag(await atKnot(`www.${ZONE}`, "A"));
          assert.equal(before.length, 2);
          const out = await dmpOk(dmp(db.url, "zone", "rollover", ZONE, "--zsk"));
          const zsk2 = Number(/rollover started, new key (\d+)/.exec(out)![1]);
          // Each step moves the serial (the node holding the NOTIFY lease), so Knot, which
          // only transfers on a new serial, publishes the new ZSK before it signs.
          const seen = { prepublished: false };
          assert.ok(
            await waitFor(async () => {
              const now = await tags();
              const signer = rrsigKeyTag(await atKnot(`www.${ZONE}`, "A"));
              if (now.includes(zsk2) && signer === zsk1) seen.prepublished = true;
              return signer === zsk2;
            }, 40_000),
            `Knot never served RRSIGs of the new ZSK ${zsk2}:\n${await knot!.logs()}`,
          );
          assert.ok(seen.prepublished, "Knot published the new ZSK before it signed");
          assert.deepEqual(await tags(), [...before, zsk2].sort((a, b) => a - b));
          assert.match(node!.logs(), /serial moved to refresh the signatures and keys/);
          const r = await delv(`www.${ZONE}`, "A");
          assert.match(r.stdout, /; fully validated\nwww\.signed\.test\./);
          assert.doesNotMatch(await knot!.logs(), /DNSSEC, validation failed/);
        },
      );
    } finally {
      await kresd?.stop();
      await knot?.stop();
      await node?.stop();
      db.client.close();
    }
  },
});
