/**
 * install.sh checks the values it writes into node.env with infra/values.sh,
 * the bash copy of packages/core/values (it runs before Node is installed).
 * Issue 10: `DMP_DNS_APEX_A=999.1.1.1` used to be installed and serve no A
 * record. These tests hold the bash rules to the core rules on the shared
 * vectors plus a generated set, and run install.sh on bad values.
 */
import assert from "node:assert/strict";
import { canonicalHostName } from "../../packages/core/values/host_name.ts";
import { parseIpv4 } from "../../packages/core/values/ipv4.ts";
import { parseIpv6 } from "../../packages/core/values/ipv6.ts";
import {
  BAD_HOST_NAMES,
  BAD_IPV4,
  BAD_IPV6,
} from "../../packages/core/values/testdata/invalid_values.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function bash(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args,
    cwd: ROOT,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/tmp", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** The verdict of one infra/values.sh function on each text, in one bash process. */
async function shellVerdicts(fn: string, texts: string[]): Promise<boolean[]> {
  const r = await bash([
    "-c",
    `. infra/values.sh; for v in "$@"; do if ${fn} "$v"; then echo 1; else echo 0; fi; done`,
    "_",
    ...texts,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => l === "1");
}

/** Mutations of valid texts: every single-character deletion, duplication and swap. */
function mutations(seeds: string[], alphabet: string): string[] {
  const out = new Set<string>(seeds);
  for (const s of seeds) {
    for (let i = 0; i < s.length; i++) {
      out.add(s.slice(0, i) + s.slice(i + 1));
      out.add(s.slice(0, i) + s[i] + s.slice(i));
      for (const c of alphabet) out.add(s.slice(0, i) + c + s.slice(i + 1));
    }
  }
  return [...out];
}

async function assertSameRule(
  fn: string,
  core: (s: string) => boolean,
  texts: string[],
): Promise<void> {
  const shell = await shellVerdicts(fn, texts);
  const disagreements = texts.filter((t, i) => shell[i] !== core(t));
  assert.deepEqual(disagreements, [], `${fn} disagrees with core`);
}

Deno.test("infra/values.sh: is_ipv4 agrees with core parseIpv4", async () => {
  const texts = mutations(["192.0.2.1", "10.0.0.255", "0.0.0.0"], "0129.:x ");
  await assertSameRule("is_ipv4", (s) => parseIpv4(s) !== null, [...BAD_IPV4, ...texts]);
});

Deno.test("infra/values.sh: is_ipv6 agrees with core parseIpv6", async () => {
  const texts = mutations(
    ["2001:db8::1", "::", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "1::", "fe80::1:2"],
    "0f:.g% ",
  );
  await assertSameRule("is_ipv6", (s) => parseIpv6(s) !== null, [...BAD_IPV6, ...texts]);
});

Deno.test("infra/values.sh: is_host_name agrees with core canonicalHostName", async () => {
  // Core trims at the boundary (and so does the node reading node.env); the shell does not.
  const texts = mutations(["ns1.example.com", "a-b.c_d.example", "x.y."], "a-_.9 ")
    .concat(BAD_HOST_NAMES)
    .filter((t) => t.trim() === t);
  await assertSameRule("is_host_name", (s) => canonicalHostName(s) !== null, texts);
});

Deno.test("install.sh refuses bad apex and name values, naming flag and variable", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--apex-a", "999.1.1.1"], {}, /--apex-a \/ DMP_DNS_APEX_A "999\.1\.1\.1": expected an IPv4/],
    [[], { DMP_DNS_APEX_A: "01.2.3.4" }, /DMP_DNS_APEX_A "01\.2\.3\.4": expected an IPv4/],
    [[], { DMP_DNS_APEX_AAAA: ":::" }, /DMP_DNS_APEX_AAAA ":::": expected an IPv6/],
    [["--apex-ns", "ns1..example.com"], {}, /DMP_DNS_APEX_NS "ns1\.\.example\.com"/],
    [["--domain", "-mesh.example"], {}, /--domain \/ DMP_DOMAIN "-mesh\.example"/],
  ];
  for (const [args, env, message] of cases) {
    const r = await bash(["infra/install.sh", "--dry-run", ...args], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stdout, /write \/etc\/dmp-edge/, "nothing is planned");
  }
  const ok = await bash([
    "infra/install.sh",
    "--dry-run",
    "--domain",
    "Mesh.Example.com.",
    "--apex-a",
    "192.0.2.1",
    "--apex-aaaa",
    "2001:db8::1",
  ]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /DMP_DNS_APEX_A=192\.0\.2\.1/);
});
