/**
 * Issue 13: real validators accept the node's online-signed answers. A zone
 * is imported, signed with `dmp zone sign`, and queried through `delv` (with
 * the zone's key from `dmp zone ds` as its trust anchor), a validating
 * `unbound` (stub zone → the node) and Knot Resolver (`kresd`, forwarding
 * to the node): positive, NXDOMAIN (compact denial), NODATA, empty
 * non-terminal, wildcard, CNAME, DNAME, DS present and absent at
 * delegations, and an insecure and a secure child (a second node; unbound
 * follows the referrals, kresd reaches the child through a relay that
 * routes by zone as an iterator would). A relay that rewrites one answer
 * byte makes all three fail validation. Runs for ECDSA P-256 (13) and
 * Ed25519 (15).
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { dig, run } from "../_support/dig.ts";
import { dmpOk, runDmp } from "../_support/dmp_cli.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
} from "../_support/node_process.ts";
import { startUnbound } from "../_support/unbound.ts";
import { startKresd } from "../_support/kresd.ts";
import { decodeMessage } from "../../packages/core/wire/message.ts";
import { canonicalName, isInZone } from "../../packages/core/wire/name.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEALING_KEY = "5c".repeat(32);

const PARENT = `$ORIGIN signed.test.
@ 3600 IN NS ns1.signed.test.
ns1 3600 IN A 192.0.2.53
www 300 IN A 192.0.2.10
www 300 IN A 192.0.2.11
*.wild 300 IN TXT "wildcard"
alias 300 IN CNAME www.signed.test.
dangling 300 IN CNAME nothere.signed.test.
a.b.ent 300 IN A 192.0.2.12
insecure 3600 IN NS ns.insecure.signed.test.
ns.insecure 3600 IN A 127.0.0.1
old 300 IN DNAME new.signed.test.
www.new 300 IN A 192.0.2.13
`;

function dmp(dbUrl: string, ...args: string[]) {
  return runDmp({ DMP_DB_URL: dbUrl, DMP_TSIG_SECRET_KEY: SEALING_KEY }, ...args);
}

/** A UDP relay to `port` that rewrites 192.0.2.10 to 192.0.2.99 in every response. */
async function tamperRelay(port: number): Promise<{ port: number; close(): void }> {
  const front = dgram.createSocket("udp4");
  const back = dgram.createSocket("udp4");
  const clients = new Map<number, { address: string; port: number }>();
  front.on("message", (msg, rinfo) => {
    clients.set(msg.readUInt16BE(0), rinfo);
    back.send(msg, port, "127.0.0.1");
  });
  back.on("message", (msg) => {
    const to = clients.get(msg.readUInt16BE(0));
    if (!to) return;
    const i = msg.indexOf(Uint8Array.of(192, 0, 2, 10));
    if (i >= 0) msg[i + 3] = 99;
    front.send(msg, to.port, to.address);
  });
  const relayPort = await freePort();
  await new Promise<void>((r) => front.bind(relayPort, "127.0.0.1", () => r()));
  await new Promise<void>((r) => back.bind(0, "127.0.0.1", () => r()));
  return {
    port: relayPort,
    close() {
      front.close();
      back.close();
    },
  };
}

/**
 * A UDP relay that sends each query where an iterating resolver would: to
 * `childPort` for names in `childZones` (but DS at a child's apex, which the
 * parent answers, RFC 4035 §3.1.4.1), else to `parentPort`. Knot Resolver 5
 * sends a forwarded request and all its sub-requests (DS, DNSKEY) to one
 * upstream, so it reaches both nodes through this.
 */
async function zoneRouter(
  parentPort: number,
  childPort: number,
  childZones: string[],
): Promise<{ port: number; close(): void }> {
  const front = dgram.createSocket("udp4");
  const back = dgram.createSocket("udp4");
  const clients = new Map<number, { address: string; port: number }>();
  front.on("message", (msg, rinfo) => {
    const d = decodeMessage(new Uint8Array(msg));
    if (!d.ok || d.message.questions.length !== 1) return;
    const q = d.message.questions[0];
    const name = canonicalName(q.name);
    const child = childZones.some((z) => isInZone(name, z) && !(name === z && q.type === TYPE.DS));
    clients.set(msg.readUInt16BE(0), rinfo);
    back.send(msg, child ? childPort : parentPort, "127.0.0.1");
  });
  back.on("message", (msg) => {
    const to = clients.get(msg.readUInt16BE(0));
    if (to) front.send(msg, to.port, to.address);
  });
  const port = await freePort();
  await new Promise<void>((r) => front.bind(port, "127.0.0.1", () => r()));
  await new Promise<void>((r) => back.bind(0, "127.0.0.1", () => r()));
  return {
    port,
    close() {
      front.close();
      back.close();
    },
  };
}

for (const algorithm of [13, 15]) {
  Deno.test({
    name: `delv, unbound and kresd validate signed answers (algorithm ${algorithm})`,
    ...opts,
    async fn(t) {
      const parentDb = await freshDatabase();
      const childDb = await freshDatabase();
      const nodes: NodeProcess[] = [];
      const resolvers: { stop(): Promise<void> }[] = [];
      let relay: { port: number; close(): void } | undefined;
      let router: { port: number; close(): void } | undefined;
      try {
        // The parent zone, signed; a secure child (signed, its DS at the parent) and an
        // insecure one (unsigned, no DS) on a second node.
        await Deno.writeTextFile(`${parentDb.dir}/parent.zone`, PARENT);
        await dmpOk(dmp(parentDb.url, "zone", "add", "signed.test", "--ns", "ns1.signed.test"));
        await dmpOk(
          dmp(parentDb.url, "zone", "import", "signed.test", `${parentDb.dir}/parent.zone`),
        );
        assert.match(
          await dmpOk(
            dmp(parentDb.url, "zone", "sign", "signed.test", "--algorithm", `${algorithm}`),
          ),
          new RegExp(`signing on, key \\d+ algorithm ${algorithm}`),
        );
        // Signing twice keeps the key (generated once).
        assert.match(
          await dmpOk(dmp(parentDb.url, "zone", "sign", "signed.test")),
          /already signed/,
        );
        for (const child of ["secure.signed.test", "insecure.signed.test"]) {
          await dmpOk(dmp(childDb.url, "zone", "add", child, "--ns", `ns.${child}`));
          await dmpOk(dmp(childDb.url, "record", "add", `www.${child}`, "A", "192.0.2.77"));
        }
        await dmpOk(dmp(childDb.url, "zone", "sign", "secure.signed.test"));
        const childDs = /IN DS (.+)$/m.exec(
          await dmpOk(dmp(childDb.url, "zone", "ds", "secure.signed.test")),
        )![1];
        await dmpOk(
          dmp(parentDb.url, "record", "add", "secure.signed.test", "NS", "ns.secure.signed.test"),
        );
        await dmpOk(dmp(parentDb.url, "record", "add", "ns.secure.signed.test", "A", "127.0.0.1"));
        await dmpOk(dmp(parentDb.url, "record", "add", "secure.signed.test", "DS", childDs));
        const ds = await dmpOk(dmp(parentDb.url, "zone", "ds", "signed.test"));
        const dnskey = /^(\S+ \d+ IN DNSKEY .+)$/m.exec(ds)![1];
        assert.match(dnskey, new RegExp(`DNSKEY 257 3 ${algorithm} `));
        const status = await dmpOk(dmp(parentDb.url, "zone", "dnssec-status", "signed.test"));
        assert.match(status, new RegExp(`signed online.*\\n  key \\d+ algorithm ${algorithm}`));

        const env = { DMP_TSIG_SECRET_KEY: SEALING_KEY };
        const parent = await startNodeProcess({ dbUrl: parentDb.url, dir: parentDb.dir, env });
        nodes.push(parent);
        const childNode = await startNodeProcess({ dbUrl: childDb.url, dir: childDb.dir, env });
        nodes.push(childNode);
        const key = /DNSKEY (\d+) (\d+) (\d+) (\S+)$/m.exec(ds)!;
        const anchors = `${parentDb.dir}/anchors.conf`;
        await Deno.writeTextFile(
          anchors,
          `trust-anchors { signed.test. static-key ${key[1]} ${key[2]} ${key[3]} "${key[4]}"; };\n`,
        );

        await t.step("DO=0 answers carry no DNSSEC records", async () => {
          const r = await dig(parent.dnsPort, "www.signed.test", "A");
          assert.equal(r.status, "NOERROR");
          assert.equal(r.answer.length, 2);
          assert.ok(r.answer.every((a) => a.type === "A"));
          // DO=1 over TCP takes the signing path too.
          const tcp = await dig(parent.dnsPort, "www.signed.test", "A", ["+dnssec", "+tcp"]);
          assert.deepEqual(tcp.answer.map((a) => a.type), ["A", "A", "RRSIG"]);
        });

        const delv = (port: number, name: string, type: string) =>
          run("delv", [
            "@127.0.0.1",
            "-p",
            String(port),
            "-a",
            anchors,
            "+root=signed.test",
            name,
            type,
          ]);
        const cases: [string, string, RegExp][] = [
          [
            "www.signed.test",
            "A",
            /; fully validated\nwww\.signed\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1[01]/,
          ],
          [
            "signed.test",
            "DNSKEY",
            // The ZSK (256) and the KSK (257), in canonical order.
            /; fully validated\nsigned\.test\.\s+3600\s+IN\s+DNSKEY\s+256 3 .*\n\S+\s+3600\s+IN\s+DNSKEY\s+257 3/,
          ],
          [
            "signed.test",
            "CDS",
            /; fully validated\nsigned\.test\.\s+3600\s+IN\s+CDS\s+\d+ \d+ 2 /,
          ],
          ["nope.signed.test", "A", /; negative response, fully validated/],
          ["www.signed.test", "TXT", /; negative response, fully validated/],
          ["b.ent.signed.test", "A", /; negative response, fully validated/],
          [
            "x.wild.signed.test",
            "TXT",
            /; fully validated\nx\.wild\.signed\.test\.\s+300\s+IN\s+TXT\s+"wildcard"/,
          ],
          ["x.wild.signed.test", "A", /; negative response, fully validated/],
          ["alias.signed.test", "A", /; fully validated\nalias\.signed\.test\.\s+300\s+IN\s+CNAME/],
          [
            "dangling.signed.test",
            "A",
            /; fully validated\ndangling\.signed\.test\.\s+300\s+IN\s+CNAME/,
          ],
          // RFC 6672: the DNAME is signed, the CNAME made from it is not (validators rebuild it).
          [
            "www.old.signed.test",
            "A",
            /; fully validated\n\S+\s+300\s+IN\s+DNAME\s+new\.signed\.test\./,
          ],
          [
            "www.signed.test",
            "NSEC",
            /; fully validated\nwww\.signed\.test\.\s+60\s+IN\s+NSEC\s+\\000\.www\.signed\.test\. A RRSIG NSEC/,
          ],
          ["insecure.signed.test", "DS", /; negative response, fully validated/],
          [
            "secure.signed.test",
            "DS",
            /; fully validated\nsecure\.signed\.test\.\s+3600\s+IN\s+DS/,
          ],
        ];
        await t.step("delv fully validates every case", async () => {
          for (const [name, type, want] of cases) {
            const r = await delv(parent.dnsPort, name, type);
            assert.match(r.stdout + r.stderr, want, `${name} ${type}:\n${r.stdout}${r.stderr}`);
          }
        });

        const anchor = dnskey.replace(/ \d+ IN /, " IN ");
        const unbound = await startUnbound({
          anchor,
          stubs: {
            "signed.test": parent.dnsPort,
            "secure.signed.test": childNode.dnsPort,
            "insecure.signed.test": childNode.dnsPort,
          },
        });
        resolvers.push(unbound);
        const ask = (name: string, type: string) =>
          dig(unbound.port, name, type, ["+dnssec", "+rec"]);
        await t.step("unbound returns AD for positive, negative, wildcard, CNAME, DS", async () => {
          for (const [name, type] of cases) {
            const r = await ask(name, type);
            assert.equal(r.status, "NOERROR", `${name} ${type}: ${r.raw}`);
            assert.ok(r.flags.includes("ad"), `${name} ${type} not validated: ${r.raw}`);
          }
          const nx = await ask("nope.signed.test", "A");
          assert.ok(
            nx.authority.some((a) =>
              a.type === "NSEC" && /RRSIG NSEC (NXNAME|TYPE128)/.test(a.data)
            ),
          );
        });
        await t.step(
          "unbound follows referrals: secure child validated, insecure not",
          async () => {
            const secure = await ask("www.secure.signed.test", "A");
            assert.equal(secure.status, "NOERROR", secure.raw);
            assert.ok(secure.flags.includes("ad"), secure.raw);
            assert.equal(secure.answer.find((a) => a.type === "A")?.data, "192.0.2.77");
            const insecure = await ask("www.insecure.signed.test", "A");
            assert.equal(insecure.status, "NOERROR", insecure.raw);
            assert.ok(!insecure.flags.includes("ad"), insecure.raw);
            assert.equal(insecure.answer.find((a) => a.type === "A")?.data, "192.0.2.77");
          },
        );

        router = await zoneRouter(parent.dnsPort, childNode.dnsPort, [
          "secure.signed.test",
          "insecure.signed.test",
        ]);
        const kresd = await startKresd({ anchor, forwards: { "signed.test": router.port } });
        resolvers.push(kresd);
        const askKresd = (name: string, type: string) =>
          dig(kresd.port, name, type, ["+dnssec", "+rec"]);
        await t.step(
          "Knot Resolver returns AD for every case; secure child validated, insecure not",
          async () => {
            for (const [name, type] of cases) {
              const r = await askKresd(name, type);
              assert.equal(r.status, "NOERROR", `${name} ${type}: ${r.raw}\n${kresd.logs()}`);
              assert.ok(r.flags.includes("ad"), `${name} ${type} not validated: ${r.raw}`);
            }
            const wild = await askKresd("x.wild.signed.test", "TXT");
            assert.equal(wild.answer.find((a) => a.type === "TXT")?.data, '"wildcard"');
            const alias = await askKresd("alias.signed.test", "A");
            assert.deepEqual(
              alias.answer.map((a) => a.type).filter((x) => x !== "RRSIG"),
              ["CNAME", "A", "A"],
            );
            const secure = await askKresd("www.secure.signed.test", "A");
            assert.equal(secure.status, "NOERROR", secure.raw);
            assert.ok(secure.flags.includes("ad"), secure.raw);
            assert.equal(secure.answer.find((a) => a.type === "A")?.data, "192.0.2.77");
            const insecure = await askKresd("www.insecure.signed.test", "A");
            assert.equal(insecure.status, "NOERROR", insecure.raw);
            assert.ok(!insecure.flags.includes("ad"), insecure.raw);
            assert.equal(insecure.answer.find((a) => a.type === "A")?.data, "192.0.2.77");
          },
        );

        await t.step("a rewritten answer fails validation in delv, unbound and kresd", async () => {
          relay = await tamperRelay(parent.dnsPort);
          const r = await delv(relay.port, "www.signed.test", "A");
          assert.doesNotMatch(r.stdout, /fully validated/);
          assert.match(r.stdout + r.stderr, /resolution failed|RRSIG failed to verify/);
          const tampered = await startUnbound({
            anchor,
            stubs: { "signed.test": relay.port },
          });
          resolvers.push(tampered);
          const bad = await dig(tampered.port, "www.signed.test", "A", ["+dnssec", "+rec"]);
          assert.equal(bad.status, "SERVFAIL", bad.raw);
          const tamperedKresd = await startKresd({
            anchor,
            forwards: { "signed.test": relay.port },
          });
          resolvers.push(tamperedKresd);
          const badK = await dig(tamperedKresd.port, "www.signed.test", "A", ["+dnssec", "+rec"]);
          assert.equal(badK.status, "SERVFAIL", badK.raw);
          // The untampered path still validates (the failure is the relay's byte, not the zone).
          const good = await ask("www.signed.test", "A");
          assert.ok(good.flags.includes("ad"));
          assert.ok((await askKresd("www.signed.test", "A")).flags.includes("ad"));
        });
      } finally {
        relay?.close();
        router?.close();
        for (const r of resolvers) await r.stop();
        for (const n of nodes) await n.stop();
        parentDb.client.close();
        childDb.client.close();
      }
    },
  });
}
