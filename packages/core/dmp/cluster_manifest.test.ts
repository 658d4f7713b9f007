import assert from "node:assert/strict";
import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import {
  buildClusterManifestBody,
  CLUSTER_PREFIX,
  type ClusterManifestFields,
  clusterOwnerName,
  parseClusterManifestWire,
  signClusterManifestWire,
  validateClusterName,
} from "./cluster_manifest.ts";
import { deriveEd25519SeedFromX25519Seed, publicKeyFromSeed, signEd25519 } from "./ed25519_keys.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { seededRandom } from "../../../tests/_support/seeded_random.ts";

interface ClusterCase {
  description: string;
  operator_seed_hex: string;
  inputs?: {
    cluster_name: string;
    exp: number;
    nodes: Array<{ node_id: string; http_endpoint: string; dns_endpoint: string | null }>;
    operator_spk_hex: string;
    seq: number;
  };
  expected_wire_hex: string;
  expected_parse_cluster_name?: string;
  expected_parse_seq?: number;
  expected_parse_result?: "none";
  expected_multi_string?: boolean;
  verify_with_operator_spk_hex?: string;
  verify_with_now?: number;
  wire_from_case?: number;
}

const CASES = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../tests/testdata/vectors/cluster_manifest.json", import.meta.url),
  ),
) as ClusterCase[];
// brief §6: one injected clock makes every positive round-trip case verify.
const NOW = 2050000000;

function hex(h: string): Uint8Array {
  const b = hexToBytes(h);
  assert.ok(b);
  return b;
}

function fieldsOf(c: ClusterCase): ClusterManifestFields {
  const i = c.inputs!;
  return {
    clusterName: i.cluster_name,
    operatorSpk: hex(i.operator_spk_hex),
    seq: i.seq,
    exp: i.exp,
    nodes: i.nodes.map((n) => ({
      nodeId: n.node_id,
      httpEndpoint: n.http_endpoint,
      dnsEndpoint: n.dns_endpoint,
    })),
  };
}

function wireOf(c: ClusterCase): string {
  return new TextDecoder().decode(hex(c.expected_wire_hex));
}

Deno.test("cluster vectors: byte-identical signing from inputs", async () => {
  let n = 0;
  for (const c of CASES) {
    if (!c.inputs) continue;
    const seed = await deriveEd25519SeedFromX25519Seed(hex(c.operator_seed_hex));
    assert.equal(bytesToHex(await publicKeyFromSeed(seed)), c.inputs.operator_spk_hex);
    const wire = await signClusterManifestWire(fieldsOf(c), seed);
    assert.equal(bytesToHex(new TextEncoder().encode(wire)), c.expected_wire_hex, c.description);
    if (c.expected_multi_string) assert.ok(wire.length > 255);
    n++;
  }
  assert.equal(n, 3);
});

Deno.test("cluster vectors: parse + verify results", async () => {
  for (const c of CASES) {
    const wire = wireOf(c);
    const src = c.wire_from_case !== undefined ? CASES[c.wire_from_case] : c;
    const spkHex = c.verify_with_operator_spk_hex ?? src.inputs!.operator_spk_hex;
    const res = await parseClusterManifestWire(wire, {
      now: c.verify_with_now ?? NOW,
      operatorSpk: hex(spkHex),
    });
    if (c.expected_parse_result === "none") {
      assert.equal(res.ok, false, c.description);
      continue;
    }
    assert.ok(res.ok, `${c.description}: ${res.ok ? "" : res.reason}`);
    const m = res.manifest;
    assert.equal(m.clusterName, c.expected_parse_cluster_name);
    assert.equal(m.seq, BigInt(c.expected_parse_seq!));
    assert.equal(m.exp, c.inputs!.exp);
    assert.equal(m.operatorSpkHex, c.inputs!.operator_spk_hex);
    assert.equal(m.pinned, true);
    assert.deepEqual(
      m.nodes.map((x) => [x.nodeId, x.httpEndpoint, x.dnsEndpoint]),
      c.inputs!.nodes.map((x) => [x.node_id, x.http_endpoint, x.dns_endpoint]),
    );
    // Name binding: case-insensitive, trailing dot ignored.
    const name = c.inputs!.cluster_name;
    const spk = hex(spkHex);
    assert.ok(
      (await parseClusterManifestWire(wire, {
        now: NOW,
        operatorSpk: spk,
        expectedClusterName: name.toUpperCase() + ".",
      })).ok,
    );
    assert.equal(
      (await parseClusterManifestWire(wire, {
        now: NOW,
        operatorSpk: spk,
        expectedClusterName: "other." + name,
      })).ok,
      false,
    );
    // Unpinned mode checks the self-signature and reports pinned: false.
    const un = await parseClusterManifestWire(wire, { now: NOW });
    assert.ok(un.ok);
    assert.equal(un.manifest.pinned, false);
  }
});

Deno.test("cluster: expiry edges (exp == now passes, 5-year cap)", async () => {
  const c = CASES[0];
  const wire = wireOf(c);
  const spk = hex(c.inputs!.operator_spk_hex);
  const exp = c.inputs!.exp;
  assert.ok((await parseClusterManifestWire(wire, { now: exp, operatorSpk: spk })).ok);
  assert.equal(
    (await parseClusterManifestWire(wire, { now: exp + 1, operatorSpk: spk })).ok,
    false,
  );
  const fiveYears = 5 * 365 * 86400;
  assert.ok((await parseClusterManifestWire(wire, { now: exp - fiveYears, operatorSpk: spk })).ok);
  assert.deepEqual(
    await parseClusterManifestWire(wire, { now: exp - fiveYears - 1, operatorSpk: spk }),
    {
      ok: false,
      reason: "exp too far in future",
    },
  );
  assert.ok(
    (await parseClusterManifestWire(wire, { now: 0, operatorSpk: spk, checkExpiry: false })).ok,
  );
});

Deno.test("cluster: signed-but-malformed bodies are refused", async () => {
  const seed = await deriveEd25519SeedFromX25519Seed(hex(CASES[0].operator_seed_hex));
  const spk = await publicKeyFromSeed(seed);
  const base = fieldsOf(CASES[0]);
  const sign = async (body: Uint8Array) =>
    CLUSTER_PREFIX + encodeBase64(Uint8Array.from([...body, ...(await signEd25519(body, seed))]));
  const good = buildClusterManifestBody({ ...base, operatorSpk: spk });
  assert.ok((await parseClusterManifestWire(await sign(good), { now: NOW, operatorSpk: spk })).ok);
  const trailing = Uint8Array.from([...good, 0]);
  assert.deepEqual(
    await parseClusterManifestWire(await sign(trailing), { now: NOW, operatorSpk: spk }),
    {
      ok: false,
      reason: "trailing body bytes",
    },
  );
  // Duplicate node ids (hand-built: the builder refuses them).
  const node = buildClusterManifestBody({ ...base, operatorSpk: spk }).slice(
    7 + 8 + 8 + 32 + 1 + 16 + 1,
  );
  const dup = Uint8Array.from([...good.slice(0, 7 + 8 + 8 + 32 + 1 + 16), 2, ...node, ...node]);
  assert.deepEqual(
    await parseClusterManifestWire(await sign(dup), { now: NOW, operatorSpk: spk }),
    {
      ok: false,
      reason: "duplicate node_id",
    },
  );
  // Trailing dot on the wire is accepted and normalized.
  const withDot = buildClusterManifestBody({ ...base, operatorSpk: spk });
  const nameAt = 7 + 8 + 8 + 32;
  const dotted = Uint8Array.from([
    ...withDot.slice(0, nameAt),
    17,
    ...new TextEncoder().encode("mesh.example.com."),
    ...withDot.slice(nameAt + 1 + 16),
  ]);
  const dr = await parseClusterManifestWire(await sign(dotted), { now: NOW, operatorSpk: spk });
  assert.ok(dr.ok, dr.ok ? "" : dr.reason);
  assert.equal(dr.manifest.clusterName, "mesh.example.com");
  // Bad DNS name inside a signed body.
  const badName = Uint8Array.from([
    ...withDot.slice(0, nameAt),
    16,
    ...new TextEncoder().encode("mesh_example.com"),
    ...withDot.slice(nameAt + 1 + 16),
  ]);
  assert.equal(
    (await parseClusterManifestWire(await sign(badName), { now: NOW, operatorSpk: spk })).ok,
    false,
  );
  // Embedded key differs from the pinned key that signed it.
  const other = await publicKeyFromSeed(new Uint8Array(32).fill(9));
  const mismatched = buildClusterManifestBody({ ...base, operatorSpk: other });
  assert.deepEqual(
    await parseClusterManifestWire(await sign(mismatched), { now: NOW, operatorSpk: spk }),
    {
      ok: false,
      reason: "operator_spk mismatch",
    },
  );
});

Deno.test("cluster: name rules and builder refusals", async () => {
  assert.equal(validateClusterName("mesh.example.com"), null);
  assert.equal(validateClusterName("mesh.example.com."), null);
  for (
    const bad of [
      "",
      ".",
      "a..b",
      "a.b..",
      "-a.com",
      "a-.com",
      "a_b.com",
      "é.com",
      "x".repeat(64) + ".com",
    ]
  ) {
    assert.notEqual(validateClusterName(bad), null, bad);
  }
  assert.equal(clusterOwnerName("mesh.example.com."), "cluster.mesh.example.com");
  const seed = await deriveEd25519SeedFromX25519Seed(hex(CASES[0].operator_seed_hex));
  const base = fieldsOf(CASES[0]);
  const n = base.nodes[0];
  for (
    const f of [
      { ...base, clusterName: "bad_name" },
      { ...base, clusterName: "a".repeat(30) + "." + "b".repeat(34) },
      { ...base, nodes: [n, n] },
      { ...base, nodes: [{ ...n, nodeId: "" }] },
      { ...base, nodes: [{ ...n, nodeId: "x".repeat(17) }] },
      { ...base, nodes: [{ ...n, httpEndpoint: "" }] },
      { ...base, nodes: [{ ...n, httpEndpoint: "h".repeat(129) }] },
      { ...base, nodes: [{ ...n, dnsEndpoint: "d".repeat(65) }] },
      { ...base, seq: -1 },
      { ...base, operatorSpk: new Uint8Array(32) },
      {
        ...base,
        nodes: Array.from(
          { length: 10 },
          (_, i) => ({ ...n, nodeId: `n${i}`, httpEndpoint: "h".repeat(120) }),
        ),
      },
    ]
  ) {
    await assert.rejects(() => signClusterManifestWire(f, seed), RangeError);
  }
});

Deno.test("cluster fuzz: random and mutated wires never throw", async () => {
  const rand = seededRandom(0xc105);
  const wires = CASES.map(wireOf);
  const spk = hex(CASES[0].inputs!.operator_spk_hex);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const base = wires[i % wires.length];
    const blob = decodeBase64Strict(base.slice(CLUSTER_PREFIX.length))!;
    let w: string;
    if (i % 3 === 0) {
      const m = blob.slice(0, Math.floor(rand() * (blob.length + 3)));
      for (let j = 0; j < 1 + Math.floor(rand() * 3); j++) {
        m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      }
      w = CLUSTER_PREFIX + encodeBase64(m);
    } else if (i % 3 === 1) {
      const chars = [...base];
      chars[Math.floor(rand() * chars.length)] = "A/+=é\n"[Math.floor(rand() * 6)];
      w = chars.join("");
    } else {
      const bytes = new Uint8Array(Math.floor(rand() * 300));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      w = CLUSTER_PREFIX + encodeBase64(bytes);
    }
    const pinned = rand() < 0.5;
    const res = await parseClusterManifestWire(w, {
      now: NOW,
      operatorSpk: pinned ? spk : undefined,
      expectedClusterName: rand() < 0.3 ? "mesh.example.com" : undefined,
    });
    assert.equal(typeof res.ok, "boolean");
    if (res.ok) accepted++;
  }
  assert.ok(accepted < 30, `accepted ${accepted}`);
});
