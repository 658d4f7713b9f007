/**
 * Issue 10: the `dmp` CLI checks flag values with the core validators
 * (packages/core/values): `zone add --ttl abc` and friends are usage errors
 * (exit 2) naming the flag, and nothing is written.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function dmp(
  args: string[],
  db: string,
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command("node", {
    args: [`${ROOT}bin/dmp.mjs`, ...args, "--db", db],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("dmp zone add / record add refuse bad values, naming the flag, and write nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dmp-cli-values-" });
  const db = `file:${dir}/dmp.db`;
  try {
    const refused: [string[], RegExp][] = [
      [["zone", "add", "v.test", "--ttl", "abc"], /--ttl "abc": expected a TTL/],
      [["zone", "add", "v.test", "--ttl", "2147483648"], /--ttl "2147483648": expected a TTL/],
      [["zone", "add", "v.test", "--a", "999.1.1.1"], /--a "999\.1\.1\.1": expected an IPv4/],
      [["zone", "add", "v.test", "--a", "01.2.3.4"], /--a "01\.2\.3\.4": expected an IPv4/],
      [["zone", "add", "v.test", "--aaaa", ":::"], /--aaaa ":::": expected an IPv6/],
      [["zone", "add", "v.test", "--ns", "ns..v.test"], /--ns "ns\.\.v\.test": expected a domain/],
      [["zone", "add", "v.test", "--rname", "a b"], /--rname "a b": expected a domain/],
    ];
    for (const [args, message] of refused) {
      const r = await dmp(args, db);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, message, args.join(" "));
    }
    const list = await dmp(["zone", "list"], db);
    assert.equal(list.code, 0, list.err);
    assert.doesNotMatch(list.out, /v\.test/, "a refused zone add writes nothing");

    const ok = await dmp(
      ["zone", "add", "v.test", "--a", "192.0.2.1", "--aaaa", "2001:DB8::0:1", "--ttl", "1h"],
      db,
    );
    assert.equal(ok.code, 0, ok.err);
    for (
      const [args, message] of [
        [["record", "add", "w.v.test", "TXT", "x", "--ttl", "abc"], /--ttl "abc": expected a TTL/],
        [
          ["record", "add", "w.v.test", "TXT", "x", "--lifetime", "9007199254740991"],
          /--lifetime "9007199254740991": expected whole seconds/,
        ],
        [["record", "add", "w.v.test", "A", "01.2.3.4"], /"01\.2\.3\.4" is not a valid A value/],
      ] as [string[], RegExp][]
    ) {
      const r = await dmp(args, db);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, message, args.join(" "));
    }
    const records = await dmp(["record", "list", "v.test"], db);
    assert.equal(records.code, 0, records.err);
    assert.deepEqual(records.out.trim().split("\n").sort(), [
      "v.test.\t3600\tIN\tA\t192.0.2.1",
      "v.test.\t3600\tIN\tAAAA\t2001:db8::1",
    ]);

    // Other types are read like a master file's (as the operator API reads them).
    const mx = await dmp(["record", "add", "v.test", "MX", "10", "Mail.V.test."], db);
    assert.equal(mx.code, 0, mx.err);
    const badMx = await dmp(["record", "add", "v.test", "MX", "70000", "mail.v.test"], db);
    assert.equal(badMx.code, 2);
    assert.match(badMx.err, /MX preference 70000 is larger than 65535/);
    const listed = await dmp(["record", "list", "v.test"], db);
    assert.match(listed.out, /^v\.test\.\t3600\tIN\tMX\t10 mail\.v\.test\.$/m);
    const del = await dmp(["record", "delete", "v.test", "MX", "10", "MAIL.v.test"], db);
    assert.equal(del.code, 0, del.err);
    assert.doesNotMatch((await dmp(["record", "list", "v.test"], db)).out, /\tMX\t/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
