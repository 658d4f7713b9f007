import assert from "node:assert/strict";
import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import { publicKeyFromSeed, signEd25519 } from "./ed25519_keys.ts";
import {
  buildHeartbeatBody,
  CAP_CLAIM_PROVIDER,
  HEARTBEAT_PREFIX,
  type HeartbeatFields,
  parseHeartbeatWire,
  signHeartbeatWire,
} from "./heartbeat_record.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { seededRandom } from "../../../tests/_support/seeded_random.ts";

interface HeartbeatCase {
  description: string;
  operator_seed_hex?: string;
  operator_spk_hex?: string;
  inputs?: {
    endpoint: string;
    version: string;
    ts: number;
    exp: number;
    capabilities: number;
    claim_provider_zone: string;
  };
  body_hex?: string;
  wire: string;
  verify_now: number;
  expected_valid: boolean;
}

interface FeedNode {
  operator_spk_hex: string;
  endpoint: string;
  version: string;
  ts: number;
  exp: number;
  wire: string;
}

async function readJson<T>(rel: string): Promise<T> {
  const url = new URL(`../../../tests/testdata/vectors/${rel}`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as T;
}

function hex(h: string): Uint8Array {
  const b = hexToBytes(h);
  assert.ok(b, `bad hex ${h}`);
  return b;
}

const CASES = await readJson<HeartbeatCase[]>("reference-generated/heartbeat.json");
const FEED = await readJson<{ nodes: FeedNode[] }>("directory-feed.json");

function fieldsOf(c: HeartbeatCase): HeartbeatFields {
  const i = c.inputs!;
  return {
    endpoint: i.endpoint,
    version: i.version,
    ts: i.ts,
    exp: i.exp,
    capabilities: i.capabilities,
    claimProviderZone: i.claim_provider_zone,
  };
}

Deno.test("heartbeat vectors: byte-identical body and wire from inputs + raw operator seed", async () => {
  let signed = 0;
  for (const c of CASES) {
    if (!c.inputs || !c.operator_seed_hex) continue;
    const seed = hex(c.operator_seed_hex);
    const spk = await publicKeyFromSeed(seed);
    assert.equal(bytesToHex(spk), c.operator_spk_hex, c.description);
    const body = buildHeartbeatBody({ ...fieldsOf(c), operatorSpk: spk });
    assert.equal(bytesToHex(body), c.body_hex, c.description);
    const wire = await signHeartbeatWire({ ...fieldsOf(c), operatorSpk: spk }, seed);
    assert.equal(wire, c.wire, c.description);
    signed++;
  }
  assert.ok(signed >= 6);
});

Deno.test("heartbeat vectors: parse result matches expected_valid at verify_now", async () => {
  for (const c of CASES) {
    const res = await parseHeartbeatWire(c.wire, { now: c.verify_now });
    assert.equal(res.ok, c.expected_valid, `${c.description}: ${res.ok ? "ok" : res.reason}`);
    if (res.ok && c.inputs) {
      const r = res.record;
      assert.equal(r.magic, "DMPHB03");
      assert.equal(r.endpoint, c.inputs.endpoint);
      assert.equal(r.version, c.inputs.version);
      assert.equal(r.capabilities, c.inputs.capabilities);
      assert.equal(r.claimProviderZone, c.inputs.claim_provider_zone);
      assert.equal(r.ts, c.inputs.ts);
      assert.equal(r.exp, c.inputs.exp);
      assert.equal(r.operatorSpkHex, c.operator_spk_hex);
      assert.equal(bytesToHex(r.operatorSpk), c.operator_spk_hex);
      assert.equal(r.wire, c.wire);
      assert.equal(bytesToHex(r.body), c.body_hex);
    }
  }
});

Deno.test("heartbeat vectors: unknown capability bits are preserved", async () => {
  const c = CASES.find((x) => x.inputs?.capabilities === 65535)!;
  const res = await parseHeartbeatWire(c.wire, { now: c.verify_now });
  assert.ok(res.ok);
  assert.equal(res.record.capabilities, 0xffff);
  assert.equal(res.record.capabilities & CAP_CLAIM_PROVIDER, CAP_CLAIM_PROVIDER);
});

Deno.test("directory feed: three live DMPHB03 wires verify at their ts, fail on skew", async () => {
  assert.equal(FEED.nodes.length, 3);
  for (const n of FEED.nodes) {
    const res = await parseHeartbeatWire(n.wire, { now: n.ts });
    assert.ok(res.ok, `${n.endpoint}: ${res.ok ? "" : res.reason}`);
    const r = res.record;
    assert.equal(r.magic, "DMPHB03");
    assert.equal(r.endpoint, n.endpoint);
    assert.equal(r.operatorSpkHex, n.operator_spk_hex);
    assert.equal(r.version, n.version);
    assert.equal(r.ts, n.ts);
    assert.equal(r.exp, n.exp);
    assert.equal(r.exp - r.ts, 86400);
    assert.equal(r.capabilities, 1);
    assert.equal(r.claimProviderZone, "dmp." + new URL(n.endpoint).hostname);
    // Skew edges: exactly 300 s either side passes, 301 s fails.
    assert.ok((await parseHeartbeatWire(n.wire, { now: n.ts + 300 })).ok);
    assert.ok((await parseHeartbeatWire(n.wire, { now: n.ts - 300 })).ok);
    assert.equal((await parseHeartbeatWire(n.wire, { now: n.ts + 301 })).ok, false);
    const late = await parseHeartbeatWire(n.wire, { now: n.ts + 1000 });
    assert.deepEqual(late, { ok: false, reason: "ts outside skew" });
    // checkFreshness: false still verifies the signature.
    assert.ok((await parseHeartbeatWire(n.wire, { now: 0, checkFreshness: false })).ok);
    // A wider ingest skew (brief §8.3 item 14) accepts the same wire later on.
    assert.ok((await parseHeartbeatWire(n.wire, { now: n.ts + 1000, tsSkewSeconds: 1200 })).ok);
  }
});

const SEED = hex("8e954fba3803906ae29d635c07f58dd9bb123c73bba2a05c9c08347736fc4014");
const BASE: HeartbeatFields = {
  endpoint: "https://dmp.example.com",
  version: "0.7.5",
  ts: 1790000000,
  exp: 1790086400,
  capabilities: 1,
  claimProviderZone: "mesh.example.com",
};
const NOW = 1790000000;

/** Sign an arbitrary body (bypassing builder validation) to test parser-side rules. */
async function signRawBody(body: Uint8Array): Promise<string> {
  const sig = await signEd25519(body, SEED);
  const blob = new Uint8Array(body.length + 64);
  blob.set(body);
  blob.set(sig, body.length);
  return HEARTBEAT_PREFIX + encodeBase64(blob);
}

/** Build a body by hand, allowing any field value (parser tests). */
async function rawBody(opts: {
  magic?: string;
  endpoint?: string;
  version?: string;
  caps?: number;
  zone?: string | null;
  ts?: bigint;
  exp?: bigint;
  trailing?: number;
}): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const spk = await publicKeyFromSeed(SEED);
  const ep = enc.encode(opts.endpoint ?? BASE.endpoint);
  const ver = enc.encode(opts.version ?? BASE.version);
  const parts: number[] = [...enc.encode(opts.magic ?? "DMPHB03")];
  parts.push(ep.length >> 8, ep.length & 255, ...ep, ...spk, ver.length, ...ver);
  const caps = opts.caps ?? 1;
  parts.push(caps >> 8, caps & 255);
  if (opts.zone !== null) {
    const z = enc.encode(opts.zone ?? BASE.claimProviderZone);
    parts.push(z.length, ...z);
  }
  for (const v of [opts.ts ?? BigInt(BASE.ts), opts.exp ?? BigInt(BASE.exp)]) {
    for (let i = 7; i >= 0; i--) parts.push(Number((v >> BigInt(8 * i)) & 0xffn));
  }
  for (let i = 0; i < (opts.trailing ?? 0); i++) parts.push(0);
  return Uint8Array.from(parts);
}

Deno.test("heartbeat: legacy DMPHB02 (no zone field) parses with empty zone", async () => {
  const wire = await signRawBody(await rawBody({ magic: "DMPHB02", zone: null }));
  const res = await parseHeartbeatWire(wire, { now: NOW });
  assert.ok(res.ok, res.ok ? "" : res.reason);
  assert.equal(res.record.magic, "DMPHB02");
  assert.equal(res.record.claimProviderZone, "");
  // A DMPHB02 magic on a DMPHB03 layout leaves trailing bytes / misparses: refused.
  const mixed = await signRawBody(await rawBody({ magic: "DMPHB02" }));
  assert.equal((await parseHeartbeatWire(mixed, { now: NOW })).ok, false);
  const old = await signRawBody(await rawBody({ magic: "DMPHB01" }));
  assert.deepEqual(await parseHeartbeatWire(old, { now: NOW }), { ok: false, reason: "bad magic" });
});

Deno.test("heartbeat: parser-side structural rules", async () => {
  const bad: Array<[string, Parameters<typeof rawBody>[0]]> = [
    ["trailing byte", { trailing: 1 }],
    ["exp == ts", { exp: BigInt(BASE.ts) }],
    ["exp < ts", { exp: BigInt(BASE.ts - 1) }],
    ["version 33", { version: "x".repeat(33) }],
    ["version non-ASCII", { version: "0.7.5é" }],
    ["zone 65", { zone: "z".repeat(65) }],
    ["endpoint path /", { endpoint: "https://dmp.example.com/" }],
    ["endpoint path", { endpoint: "https://dmp.example.com/v1" }],
    ["endpoint query", { endpoint: "https://dmp.example.com?a=1" }],
    ["endpoint fragment", { endpoint: "https://dmp.example.com#x" }],
    ["endpoint userinfo", { endpoint: "https://u@dmp.example.com" }],
    ["endpoint scheme", { endpoint: "ftp://dmp.example.com" }],
    ["endpoint localhost", { endpoint: "http://LocalHost:8053" }],
    ["endpoint loopback", { endpoint: "http://127.0.0.1:8053" }],
    ["endpoint private", { endpoint: "https://10.1.2.3" }],
    ["endpoint test-net", { endpoint: "https://203.0.113.9" }],
    ["endpoint v6 loopback", { endpoint: "https://[::1]:443" }],
    ["endpoint v6 ula", { endpoint: "https://[fd00::1]" }],
    ["endpoint space", { endpoint: "https://dmp.example .com" }],
    ["endpoint empty host", { endpoint: "https://:443" }],
  ];
  for (const [label, opts] of bad) {
    const wire = await signRawBody(await rawBody(opts));
    const res = await parseHeartbeatWire(wire, { now: NOW });
    assert.equal(res.ok, false, label);
  }
  // Non-ASCII zone is tolerated by the parser (signer refuses it; brief §4.2).
  const z = await signRawBody(await rawBody({ zone: "zöne.example" }));
  const zr = await parseHeartbeatWire(z, { now: NOW });
  assert.ok(zr.ok);
  assert.equal(zr.record.claimProviderZone, "zöne.example");
  // Empty endpoint length is refused.
  const empty = await signRawBody(await rawBody({ endpoint: "" }));
  assert.equal((await parseHeartbeatWire(empty, { now: NOW })).ok, false);
  // u64 ≥ 2^63 is refused even with freshness checks off.
  const huge = await signRawBody(await rawBody({ ts: 1n << 63n, exp: (1n << 63n) + 1n }));
  assert.equal((await parseHeartbeatWire(huge, { now: NOW, checkFreshness: false })).ok, false);
});

Deno.test("heartbeat: freshness rules (skew, exp > now, 30-day cap)", async () => {
  const wire = await signHeartbeatWire(BASE, SEED);
  assert.ok((await parseHeartbeatWire(wire, { now: NOW })).ok);
  const far = await signHeartbeatWire({ ...BASE, exp: NOW + 30 * 86400 }, SEED);
  assert.ok((await parseHeartbeatWire(far, { now: NOW })).ok);
  const tooFar = await signHeartbeatWire({ ...BASE, exp: NOW + 30 * 86400 + 1 }, SEED);
  assert.deepEqual(await parseHeartbeatWire(tooFar, { now: NOW }), {
    ok: false,
    reason: "exp too far in future",
  });
  const shortLived = await signHeartbeatWire({ ...BASE, exp: NOW + 10 }, SEED);
  assert.deepEqual(await parseHeartbeatWire(shortLived, { now: NOW + 10 }), {
    ok: false,
    reason: "expired",
  });
  assert.equal((await parseHeartbeatWire(wire, { now: Number.NaN })).ok, false);
});

Deno.test("heartbeat: wire-level rejections", async () => {
  const wire = await signHeartbeatWire(BASE, SEED);
  const b64 = wire.slice(HEARTBEAT_PREFIX.length);
  const rejects = [
    "",
    "v=dmp1;t=heartbeat;",
    "v=dmp1;t=cluster;" + b64,
    "V=DMP1;T=HEARTBEAT;" + b64,
    wire + "=", // the blob already ends in "==": a third pad breaks the strict shape
    wire.slice(0, -2), // broken padding
    wire.replace("RE1Q", "RE1Q\n"),
    wire.replace("RE1Q", "RE 1Q"),
    HEARTBEAT_PREFIX + "A".repeat(1200),
    HEARTBEAT_PREFIX + encodeBase64(new Uint8Array(123)),
  ];
  for (const w of rejects) {
    const res = await parseHeartbeatWire(w, { now: NOW });
    assert.equal(res.ok, false, JSON.stringify(w.slice(0, 40)));
  }
  // Bad signature: flip each of a few body/signature bytes.
  const blob = decodeBase64Strict(b64)!;
  for (const i of [0, 10, 40, blob.length - 65, blob.length - 64, blob.length - 1]) {
    const m = blob.slice();
    m[i] ^= 1;
    assert.equal(
      (await parseHeartbeatWire(HEARTBEAT_PREFIX + encodeBase64(m), { now: NOW })).ok,
      false,
    );
  }
});

Deno.test("heartbeat: signer refuses invalid fields and mismatched key", async () => {
  const bad: HeartbeatFields[] = [
    { ...BASE, endpoint: "https://dmp.example.com/" },
    { ...BASE, version: "é" },
    { ...BASE, version: "x".repeat(33) },
    { ...BASE, claimProviderZone: "has space" },
    { ...BASE, claimProviderZone: "z".repeat(65) },
    { ...BASE, capabilities: 0x10000 },
    { ...BASE, capabilities: -1 },
    { ...BASE, exp: BASE.ts },
    { ...BASE, ts: -1 },
    { ...BASE, ts: 1.5 },
    { ...BASE, operatorSpk: new Uint8Array(32) },
    { ...BASE, endpoint: "https://" + "a".repeat(1000) + ".com" },
  ];
  for (const f of bad) {
    await assert.rejects(
      () => signHeartbeatWire(f, SEED),
      RangeError,
      JSON.stringify(f).slice(0, 80),
    );
  }
  await assert.rejects(() => signHeartbeatWire(BASE, new Uint8Array(31)));
});

Deno.test("heartbeat fuzz: random and mutated wires never throw", async () => {
  const rand = seededRandom(0x5eed);
  const valid = [...CASES.map((c) => c.wire), ...FEED.nodes.map((n) => n.wire)];
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=;\n é\u0000\ud800";
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const base = valid[Math.floor(rand() * valid.length)];
    let w: string;
    const mode = i % 6;
    if (mode === 0) {
      // Random text after the prefix.
      let s = "";
      const len = Math.floor(rand() * 400);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      w = HEARTBEAT_PREFIX + s;
    } else if (mode === 1) {
      // Character-level mutation of a valid wire.
      const chars = [...base];
      const k = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < k; j++) {
        chars[Math.floor(rand() * chars.length)] = alphabet[Math.floor(rand() * alphabet.length)];
      }
      w = chars.join("");
    } else {
      // Byte-level mutation of the decoded blob, re-encoded (exercises the body parser).
      const blob = decodeBase64Strict(base.slice(HEARTBEAT_PREFIX.length))!;
      let m: Uint8Array;
      if (mode === 2) {
        m = blob.slice(0, Math.floor(rand() * blob.length));
      } else if (mode === 3) {
        m = new Uint8Array(blob.length + 1 + Math.floor(rand() * 8));
        m.set(blob);
        for (let j = blob.length; j < m.length; j++) m[j] = Math.floor(rand() * 256);
      } else {
        m = blob.slice();
        const k = 1 + Math.floor(rand() * 3);
        for (let j = 0; j < k; j++) {
          m[Math.floor(rand() * (m.length - 64))] = Math.floor(rand() * 256);
        }
      }
      w = HEARTBEAT_PREFIX + encodeBase64(m);
    }
    const res = await parseHeartbeatWire(w, { now: 1790000000, checkFreshness: rand() < 0.5 });
    assert.equal(typeof res.ok, "boolean");
    if (res.ok) accepted++;
  }
  // Mutations essentially never survive signature verification.
  assert.ok(accepted < 30, `accepted ${accepted}`);
});
