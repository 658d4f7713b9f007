/**
 * NSD as the oracle: one zone file (tests/testdata/oracle.test.zone, with
 * wildcards at several depths, an empty non-terminal above a wildcard, CNAME
 * chains in and out of the zone, dangling and looping ones, delegations with
 * in-bailiwick glue, with DS and out of bailiwick, multi-string and >255-byte
 * TXT, and every
 * RR type the node imports, RFC 3597 generic ones included) is loaded into a
 * udp-node with `dmp zone import` and into a real NSD (`minimal-responses:
 * yes`). Every case is asked of both with dig, and rcode, AA, answer,
 * authority and additional (TTLs included, order within a section ignored)
 * must be the same. A difference fails with the diff of every case.
 *
 * Nothing is aligned by hand: the import keeps the file's SOA serial, so both
 * serve the file as written.
 */
import assert from "node:assert/strict";
import { readZone } from "../../packages/core/store/zones.ts";
import { dig, type DigResult, run } from "../_support/dig.ts";
import {
  freePort,
  freshDatabase,
  type NodeProcess,
  startNodeProcess,
  waitFor,
} from "../_support/node_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ZONE_FILE = `${ROOT}tests/testdata/oracle.test.zone`;
const NSD = "/usr/sbin/nsd";
const opts = { sanitizeOps: false, sanitizeResources: false };

/** qname (relative to oracle.test; "@" = apex) and qtype, per behaviour. */
const CASES: [string, string][] = [
  // apex and plain data
  ["@", "SOA"],
  ["@", "NS"],
  ["@", "MX"],
  ["@", "A"],
  ["@", "TXT"],
  ["@", "AAAA"],
  ["www", "A"],
  ["www", "AAAA"],
  ["www", "TXT"],
  ["www", "MX"],
  ["ns1", "A"],
  ["srv", "SRV"],
  ["caa", "CAA"],
  ["long", "TXT"],
  ["multi", "TXT"],
  ["nul", "TXT"], // NUL octets: SQLite holds them, libSQL's bindings read text up to one
  // wildcards (RFC 4592)
  ["foo.wild", "A"],
  ["foo.wild", "MX"],
  ["foo.wild", "AAAA"],
  ["a.b.foo.wild", "A"],
  ["host.wild", "A"],
  ["host.wild", "MX"],
  ["a.host.wild", "A"],
  ["*.wild", "A"],
  ["wild", "A"],
  ["x.deep.a.b", "TXT"],
  ["y.x.deep.a.b", "TXT"],
  ["deep.a.b", "TXT"],
  ["a.b", "TXT"],
  ["q.a.b", "TXT"],
  ["b", "TXT"],
  ["y.ent.x", "A"],
  ["y.ent.x", "TXT"],
  ["ent.x", "A"],
  ["x", "TXT"],
  ["zz.x", "TXT"],
  ["sub.ent.x.y", "TXT"],
  ["ent.x.y", "TXT"],
  ["foo", "TXT"],
  ["foo", "A"],
  ["foo", "ANY"],
  ["bar.baz", "TXT"],
  ["nope", "A"],
  // CNAME chains (RFC 1034 §4.3.2 step 3.a, RFC 2308 §2)
  ["alias", "A"],
  ["alias", "AAAA"],
  ["alias", "CNAME"],
  ["alias", "MX"],
  ["chain1", "A"],
  ["chain1", "MX"],
  ["out", "A"],
  ["dangling", "A"],
  ["dangling", "TXT"],
  ["dangling2", "A"],
  ["loop1", "A"],
  ["wcname", "A"],
  ["wcname", "MX"],
  ["foo.cw", "AAAA"],
  ["foo.cw", "CNAME"],
  ["tocut", "A"],
  ["toapex", "SOA"],
  ["toapex", "NS"],
  // delegations (RFC 1034 §4.3.2 step 3.b)
  ["sub", "NS"],
  ["sub", "A"],
  ["sub", "DS"],
  ["host.sub", "A"],
  ["x.host.sub", "A"],
  ["ns1.sub", "A"],
  ["host.sub", "DS"],
  ["secure", "NS"],
  ["x.secure", "AAAA"],
  ["ns.secure", "A"],
  ["far", "A"],
  ["x.far", "A"],
  ["far", "DS"],
  ["secure", "DS"],
  ["x.secure", "DS"],
  // DNAME (RFC 6672)
  ["a.dn", "A"],
  ["dn", "DNAME"],
  ["dn", "A"],
  ["x.dnin", "A"],
  ["a.b.dnin", "MX"],
  ["host.dnin", "MX"],
  ["x.y.dnin", "TXT"],
  ["host.dsub", "A"],
  // record types (RFC 3597 generic form included)
  ["ptr", "PTR"],
  ["hinfo", "HINFO"],
  ["naptr", "NAPTR"],
  ["sshfp", "SSHFP"],
  ["_443._tcp.www", "TLSA"],
  ["smimea", "SMIMEA"],
  ["@", "DNSKEY"],
  ["openpgp", "OPENPGPKEY"],
  ["spf", "SPF"],
  ["unknown", "TYPE65534"],
  ["empty", "TYPE65280"],
  ["generic-a", "A"],
  ["_8443._https.svc", "SVCB"],
  ["svc", "HTTPS"],
  ["alias-https", "HTTPS"],
  ["_ftp._tcp", "URI"],
  ["cert", "CERT"],
  ["loc", "LOC"],
  ["loc2", "LOC"],
  ["unknown", "A"],
  ["cli-ds", "DS"],
  ["cli-naptr", "NAPTR"],
  ["cli-generic", "TYPE65533"],
  ["cli-ptr", "PTR"],
];

/** Added with `dmp record add` after the import (and written into NSD's copy of the zone). */
const CLI_RECORDS: [string, string, string][] = [
  ["cli-ds", "DS", "54321 8 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"],
  ["cli-naptr", "NAPTR", '10 20 "s" "SIP+D2T" "" _sip._tcp.oracle.test.'],
  ["cli-generic", "TYPE65533", "\\# 2 ABCD"],
  ["cli-ptr", "PTR", "Host.Example.NET."],
];

let node: NodeProcess;
let nsd: { port: number; dir: string; child: Deno.ChildProcess };

function fqdn(rel: string): string {
  return rel === "@" ? "oracle.test." : `${rel}.oracle.test.`;
}

/** What is compared: rcode, AA, and each section as sorted presentation lines. */
function summary(r: DigResult) {
  const line = (x: { name: string; ttl: number; type: string; data: string }) =>
    `${x.name.toLowerCase()} ${x.ttl} ${x.type} ${x.data}`;
  return {
    rcode: r.status,
    aa: r.flags.includes("aa"),
    answer: r.answer.map(line).sort(),
    authority: r.authority.map(line).sort(),
    additional: r.additional.map(line).sort(),
  };
}

Deno.test.beforeAll(async () => {
  const db = await freshDatabase();
  db.client.close();
  const dmp = (...args: string[]) =>
    run("node", [`${ROOT}bin/dmp.mjs`, ...args, "--db", db.url], {
      timeoutMs: 60000,
      env: { PATH: Deno.env.get("PATH") ?? "" },
    });
  const created = await dmp("zone", "add", "oracle.test", "--serial-policy", "increment");
  assert.equal(created.code, 0, created.stdout + created.stderr);
  // Records added with `dmp record add` too (the CLI path of the same codecs), before the
  // import: each moves the serial by one from 1, and the file's 2026112601, being greater
  // (RFC 1982), is then taken as it is, so NSD and the node serve the same serial unaided.
  for (const [name, type, value] of CLI_RECORDS) {
    const added = await dmp("record", "add", `${name}.oracle.test`, type, value, "--ttl", "300");
    assert.equal(added.code, 0, added.stdout + added.stderr);
  }
  const imported = await dmp("zone", "import", "oracle.test", ZONE_FILE);
  assert.equal(imported.code, 0, imported.stdout + imported.stderr);
  const { createClient } = await import("@libsql/client");
  const reader = createClient({ url: db.url });
  const serial = (await readZone(reader, "oracle.test"))?.serial;
  reader.close();
  assert.equal(serial, 2026112601, "the import keeps the file's serial");
  node = await startNodeProcess({ dir: db.dir, dbUrl: db.url });

  const dir = await Deno.makeTempDir({ prefix: "dmp-nsd-" });
  const port = await freePort();
  const zoneText = (await Deno.readTextFile(ZONE_FILE)) +
    CLI_RECORDS.map(([name, type, value]) => `${name} 300 IN ${type} ${value}\n`).join("");
  await Deno.writeTextFile(`${dir}/oracle.test.zone`, zoneText);
  await Deno.writeTextFile(
    `${dir}/nsd.conf`,
    `server:
  ip-address: 127.0.0.1@${port}
  port: ${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  logfile: "${dir}/nsd.log"
  minimal-responses: yes
  refuse-any: no
  server-count: 1
  tcp-count: 10
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: oracle.test
  zonefile: oracle.test.zone
`,
  );
  // `timeout` bounds NSD's life even if this test dies before teardown.
  const child = new Deno.Command("timeout", {
    args: ["300", NSD, "-d", "-c", `${dir}/nsd.conf`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  nsd = { port, dir, child };
  const up = await waitFor(
    async () => (await dig(port, "oracle.test", "SOA")).status === "NOERROR",
    15000,
  );
  if (!up) throw new Error(`NSD did not serve the zone:\n${await nsdLog()}`);
});

async function nsdLog(): Promise<string> {
  return await Deno.readTextFile(`${nsd.dir}/nsd.log`).catch(() => "(no log)");
}

Deno.test({
  name: "nsd oracle: every case answered like NSD (rcode, AA, answer, authority, additional, TTLs)",
  ...opts,
  fn: async () => {
    const diffs: string[] = [];
    for (const [rel, type] of CASES) {
      const name = fqdn(rel);
      const theirs = summary(await dig(nsd.port, name, type));
      const ours = summary(await dig(node.dnsPort, name, type));
      assert.notEqual(theirs.rcode, "NONE", `NSD answered ${name} ${type}`);
      for (const key of Object.keys(theirs) as (keyof typeof theirs)[]) {
        const a = JSON.stringify(theirs[key]);
        const b = JSON.stringify(ours[key]);
        if (a !== b) diffs.push(`${name} ${type} ${key}:\n    nsd:  ${a}\n    ours: ${b}`);
      }
    }
    assert.equal(diffs.length, 0, `${diffs.length} differences from NSD:\n${diffs.join("\n")}`);
  },
});

Deno.test.afterAll(async () => {
  await node?.stop();
  if (nsd) {
    try {
      nsd.child.kill("SIGTERM");
    } catch { /* gone */ }
    await nsd.child.status;
  }
});
