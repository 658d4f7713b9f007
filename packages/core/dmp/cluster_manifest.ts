/**
 * ClusterManifest: the operator-signed node list published at `cluster.<cluster_name>`
 * (brief §4.9, §5.3; reference `dmp/core/cluster.py`, vectors `cluster_manifest.json`).
 *
 * Wire: `v=dmp1;t=cluster;` + strict base64(body ‖ sig), ≤ 1200 bytes. Body (big-endian):
 * `DMPCL01` ‖ seq u64 ‖ exp u64 ‖ operator_spk(32) ‖ name_len u8 ‖ cluster_name (1..64) ‖
 * node_count u8 (≤ 32) ‖ per node {id_len u8 (1..16) ‖ ASCII id ‖ http_len u16 (1..128) ‖
 * http endpoint ‖ dns_len u16 (0..64) ‖ dns endpoint}.
 *
 * @module
 */

import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import { ByteReader, bytesEqual, concatBytes, u16be, u64be } from "./byte_reader.ts";
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from "./ed25519_keys.ts";
import { bytesToHex } from "./hex.ts";
import { decodeUtf8Strict, encodeUtf8, isAscii } from "./utf8.ts";

/** Wire prefix of a cluster manifest TXT value. */
export const CLUSTER_PREFIX = "v=dmp1;t=cluster;";
/** Body magic. */
export const CLUSTER_MAGIC = "DMPCL01";
/** Whole-wire cap in UTF-8 bytes. */
export const CLUSTER_MAX_WIRE_LEN = 1200;
/** Maximum nodes per manifest. */
export const CLUSTER_MAX_NODE_COUNT = 32;
/** Maximum `exp − now`: 5 years (brief §4.9), taken as 5 × 365 days. */
export const CLUSTER_MAX_EXP_FUTURE = 5 * 365 * 86400;

const SPK_LEN = 32;
const SIG_LEN = 64;
const MAX_NODE_ID_LEN = 16;
const MAX_HTTP_ENDPOINT_LEN = 128;
const MAX_DNS_ENDPOINT_LEN = 64;
const MAX_CLUSTER_NAME_LEN = 64;
const U64_LIMIT = 1n << 64n;

/** One node entry. */
export interface ClusterNode {
  /** Short ASCII id (1..16), unique within the manifest. */
  readonly nodeId: string;
  /** HTTP ingress URL (1..128 UTF-8 bytes). */
  readonly httpEndpoint: string;
  /** Optional DNS ingress `host:port` (≤ 64 bytes); `null` when absent. */
  readonly dnsEndpoint: string | null;
}

/** Inputs for building/signing a manifest. */
export interface ClusterManifestFields {
  /** DNS name of the cluster; one trailing dot is stripped before encoding. */
  readonly clusterName: string;
  /** Operator key; when signing, must match the seed (derived if omitted). */
  readonly operatorSpk?: Uint8Array;
  /** Node list (≤ 32). */
  readonly nodes: readonly ClusterNode[];
  /** Sequence number (higher wins), < 2^64. */
  readonly seq: bigint | number;
  /** Expiry, unix seconds, < 2^64. */
  readonly exp: number;
}

/** A parsed manifest. */
export interface ClusterManifest {
  /** Cluster name without a trailing dot. */
  readonly clusterName: string;
  /** Operator key embedded in the body. */
  readonly operatorSpk: Uint8Array;
  /** `operatorSpk` as lower-case hex. */
  readonly operatorSpkHex: string;
  /** Node list. */
  readonly nodes: readonly ClusterNode[];
  /** Sequence number (u64, exact). */
  readonly seq: bigint;
  /** Expiry (unix seconds; exact below 2^53). */
  readonly exp: number;
  /** True iff the signature was checked against a caller-pinned key. */
  readonly pinned: boolean;
  /** The wire text. */
  readonly wire: string;
}

/** Options for `parseClusterManifestWire`; `now` is injected. */
export interface ClusterParseOptions {
  /** Current time, unix seconds. */
  readonly now: number;
  /**
   * Pinned operator key (`DMP_SYNC_OPERATOR_SPK`). When omitted the signature is checked
   * against the key embedded in the body instead — stricter than the reference's
   * structural-only path (brief §4.9, §8.4 item 23), and `pinned` is false in the result.
   */
  readonly operatorSpk?: Uint8Array;
  /** If given, the signed name must equal it (case-insensitive, one trailing dot ignored). */
  readonly expectedClusterName?: string;
  /** When false, skip the `exp < now` and 5-year checks. Default true. */
  readonly checkExpiry?: boolean;
}

/** Result of `parseClusterManifestWire`. */
export type ClusterParseResult =
  | { readonly ok: true; readonly manifest: ClusterManifest }
  | { readonly ok: false; readonly reason: string };

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/**
 * DNS-name rule for cluster names (reference `_validate_dns_name`): non-empty, no `..` at the
 * end, one trailing dot allowed, ASCII, labels 1..63 of letters/digits/`-` not starting or
 * ending with `-`. Returns a reason or `null`.
 */
export function validateClusterName(name: string): string | null {
  if (typeof name !== "string" || name === "") return "cluster_name empty";
  if (name.endsWith("..")) return "cluster_name empty final label";
  const normalized = name.endsWith(".") ? name.slice(0, -1) : name;
  if (normalized === "") return "cluster_name has no label";
  if (!isAscii(normalized)) return "cluster_name not ASCII";
  for (const label of normalized.split(".")) {
    if (label === "") return "cluster_name empty label";
    if (label.length > 63) return "cluster_name label too long";
    if (label.startsWith("-") || label.endsWith("-")) return "cluster_name label hyphen";
    if (!/^[A-Za-z0-9-]+$/.test(label)) return "cluster_name label character";
  }
  return null;
}

/** Owner name of a cluster manifest: `cluster.<name>` with one trailing dot stripped. */
export function clusterOwnerName(clusterName: string): string {
  if (clusterName.endsWith("..")) throw new RangeError("cluster_name empty final label");
  return `cluster.${clusterName.endsWith(".") ? clusterName.slice(0, -1) : clusterName}`;
}

function nodeBytes(node: ClusterNode): Uint8Array {
  if (typeof node.nodeId !== "string" || node.nodeId === "" || !isAscii(node.nodeId)) {
    throw new RangeError("node_id must be non-empty ASCII");
  }
  if (node.nodeId.length > MAX_NODE_ID_LEN) throw new RangeError("node_id too long");
  const id = encodeUtf8(node.nodeId);
  if (typeof node.httpEndpoint !== "string" || node.httpEndpoint === "") {
    throw new RangeError("http_endpoint must be non-empty");
  }
  const http = encodeUtf8(node.httpEndpoint);
  if (http.length > MAX_HTTP_ENDPOINT_LEN) throw new RangeError("http_endpoint too long");
  let dns: Uint8Array = new Uint8Array(0);
  if (node.dnsEndpoint !== null && node.dnsEndpoint !== undefined) {
    if (typeof node.dnsEndpoint !== "string" || node.dnsEndpoint === "") {
      throw new RangeError("dns_endpoint must be non-empty when present");
    }
    dns = encodeUtf8(node.dnsEndpoint);
    if (dns.length > MAX_DNS_ENDPOINT_LEN) throw new RangeError("dns_endpoint too long");
  }
  return concatBytes(
    Uint8Array.of(id.length),
    id,
    u16be(http.length),
    http,
    u16be(dns.length),
    dns,
  );
}

/** Serialize the signable manifest body; throws `RangeError` on fields the reference refuses. */
export function buildClusterManifestBody(
  fields: ClusterManifestFields & { operatorSpk: Uint8Array },
): Uint8Array {
  const nameErr = validateClusterName(fields.clusterName);
  if (nameErr) throw new RangeError(nameErr);
  const name = fields.clusterName.endsWith(".")
    ? fields.clusterName.slice(0, -1)
    : fields.clusterName;
  const nameBytes = encodeUtf8(name);
  if (nameBytes.length > MAX_CLUSTER_NAME_LEN) throw new RangeError("cluster_name too long");
  if (!(fields.operatorSpk instanceof Uint8Array) || fields.operatorSpk.length !== SPK_LEN) {
    throw new RangeError("operator_spk must be 32 bytes");
  }
  if (fields.nodes.length > CLUSTER_MAX_NODE_COUNT) throw new RangeError("too many nodes");
  const ids = new Set<string>();
  const parts: Uint8Array[] = [];
  for (const node of fields.nodes) {
    parts.push(nodeBytes(node));
    if (ids.has(node.nodeId)) throw new RangeError(`duplicate node_id ${node.nodeId}`);
    ids.add(node.nodeId);
  }
  const seq = typeof fields.seq === "bigint" ? fields.seq : BigInt(fields.seq);
  if (seq < 0n || seq >= U64_LIMIT) throw new RangeError("seq out of range");
  if (!Number.isSafeInteger(fields.exp) || fields.exp < 0) throw new RangeError("exp out of range");
  return concatBytes(
    encodeUtf8(CLUSTER_MAGIC),
    u64be(seq),
    u64be(BigInt(fields.exp)),
    fields.operatorSpk,
    Uint8Array.of(nameBytes.length),
    nameBytes,
    Uint8Array.of(fields.nodes.length),
    ...parts,
  );
}

/**
 * Build and sign a manifest with the operator's Ed25519 seed. Throws on invalid fields, a
 * seed/spk mismatch, or a wire over 1200 bytes.
 */
export async function signClusterManifestWire(
  fields: ClusterManifestFields,
  seed: Uint8Array,
): Promise<string> {
  const pub = await publicKeyFromSeed(seed);
  if (fields.operatorSpk !== undefined && !bytesEqual(fields.operatorSpk, pub)) {
    throw new RangeError("seed does not match declared operator_spk");
  }
  const body = buildClusterManifestBody({ ...fields, operatorSpk: pub });
  const sig = await signEd25519(body, seed);
  const wire = CLUSTER_PREFIX + encodeBase64(concatBytes(body, sig));
  if (encodeUtf8(wire).length > CLUSTER_MAX_WIRE_LEN) {
    throw new RangeError("cluster manifest wire exceeds 1200 bytes");
  }
  return wire;
}

/** Structurally parsed body (no signature or clock checks). */
export interface ClusterManifestBody {
  /** Name without trailing dot. */
  readonly clusterName: string;
  /** Embedded operator key. */
  readonly operatorSpk: Uint8Array;
  /** Nodes. */
  readonly nodes: readonly ClusterNode[];
  /** Sequence number. */
  readonly seq: bigint;
  /** Expiry (exact). */
  readonly exp: bigint;
}

/**
 * Structural parse of a manifest body: exact layout, no trailing bytes, DNS-name rules for the
 * name, unique node ids, per-field caps. Never throws.
 */
export function parseClusterManifestBody(
  body: Uint8Array,
): { ok: true; body: ClusterManifestBody } | { ok: false; reason: string } {
  const r = new ByteReader(body);
  if (body.length < 7 + 8 + 8 + SPK_LEN + 1) return fail("body too short");
  if (String.fromCharCode(...(r.take(7) as Uint8Array)) !== CLUSTER_MAGIC) return fail("bad magic");
  const seq = r.u64() as bigint;
  const exp = r.u64() as bigint;
  const operatorSpk = r.take(SPK_LEN) as Uint8Array;
  const nameLen = r.u8() as number;
  if (nameLen === 0 || nameLen > MAX_CLUSTER_NAME_LEN) return fail("cluster_name length");
  const nameBytes = r.take(nameLen);
  if (nameBytes === null) return fail("body truncated");
  let clusterName = decodeUtf8Strict(nameBytes);
  if (clusterName === null) return fail("cluster_name not UTF-8");
  const nameErr = validateClusterName(clusterName);
  if (nameErr) return fail(nameErr);
  if (clusterName.endsWith(".")) clusterName = clusterName.slice(0, -1);
  const count = r.u8();
  if (count === null) return fail("body truncated");
  if (count > CLUSTER_MAX_NODE_COUNT) return fail("node_count too large");
  const nodes: ClusterNode[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const idLen = r.u8();
    if (idLen === null) return fail("body truncated");
    if (idLen === 0 || idLen > MAX_NODE_ID_LEN) return fail("node_id length");
    const idBytes = r.take(idLen);
    if (idBytes === null) return fail("body truncated");
    if (idBytes.some((b) => b > 0x7f)) return fail("node_id not ASCII");
    const nodeId = String.fromCharCode(...idBytes);
    const httpLen = r.u16();
    if (httpLen === null) return fail("body truncated");
    if (httpLen === 0 || httpLen > MAX_HTTP_ENDPOINT_LEN) return fail("http_endpoint length");
    const httpBytes = r.take(httpLen);
    if (httpBytes === null) return fail("body truncated");
    const httpEndpoint = decodeUtf8Strict(httpBytes);
    if (httpEndpoint === null) return fail("http_endpoint not UTF-8");
    const dnsLen = r.u16();
    if (dnsLen === null) return fail("body truncated");
    if (dnsLen > MAX_DNS_ENDPOINT_LEN) return fail("dns_endpoint length");
    let dnsEndpoint: string | null = null;
    if (dnsLen > 0) {
      const dnsBytes = r.take(dnsLen);
      if (dnsBytes === null) return fail("body truncated");
      dnsEndpoint = decodeUtf8Strict(dnsBytes);
      if (dnsEndpoint === null) return fail("dns_endpoint not UTF-8");
    }
    if (ids.has(nodeId)) return fail("duplicate node_id");
    ids.add(nodeId);
    nodes.push({ nodeId, httpEndpoint, dnsEndpoint });
  }
  if (r.remaining() !== 0) return fail("trailing body bytes");
  return { ok: true, body: { clusterName, operatorSpk, nodes, seq, exp } };
}

/**
 * Parse and verify a manifest wire in the reference order (brief §4.9): prefix → ≤ 1200 bytes
 * → strict base64 → ≥ 71 bytes → signature under the pinned key (before any body parsing) →
 * body parse → embedded spk == pinned key → `exp ≥ now` (`exp == now` passes) →
 * `exp − now ≤ 5 y` → optional cluster-name binding. Never throws.
 */
export async function parseClusterManifestWire(
  wire: string,
  options: ClusterParseOptions,
): Promise<ClusterParseResult> {
  try {
    if (typeof wire !== "string" || !wire.startsWith(CLUSTER_PREFIX)) return fail("bad prefix");
    if (encodeUtf8(wire).length > CLUSTER_MAX_WIRE_LEN) return fail("wire too long");
    const blob = decodeBase64Strict(wire.slice(CLUSTER_PREFIX.length));
    if (blob === null) return fail("bad base64");
    if (blob.length < SIG_LEN + 7) return fail("blob too short");
    const bodyBytes = blob.slice(0, blob.length - SIG_LEN);
    const signature = blob.slice(blob.length - SIG_LEN);
    const pinned = options.operatorSpk;
    if (pinned !== undefined) {
      if (!(pinned instanceof Uint8Array) || pinned.length !== SPK_LEN) {
        return fail("bad pinned key");
      }
      // Trust anchor first: nothing in the body is looked at before the signature checks out.
      if (!(await verifyEd25519(signature, bodyBytes, pinned))) return fail("bad signature");
    }
    const parsed = parseClusterManifestBody(bodyBytes);
    if (!parsed.ok) return parsed;
    const b = parsed.body;
    if (pinned !== undefined) {
      if (!bytesEqual(b.operatorSpk, pinned)) return fail("operator_spk mismatch");
    } else if (!(await verifyEd25519(signature, bodyBytes, b.operatorSpk))) {
      return fail("bad signature");
    }
    if (options.checkExpiry !== false) {
      const { now } = options;
      if (typeof now !== "number" || !Number.isFinite(now)) return fail("bad now");
      const nowBig = BigInt(Math.floor(now));
      if (b.exp < nowBig) return fail("expired");
      if (b.exp - nowBig > BigInt(CLUSTER_MAX_EXP_FUTURE)) return fail("exp too far in future");
    }
    if (options.expectedClusterName !== undefined) {
      const e = options.expectedClusterName;
      const expected = e.endsWith(".") ? e.slice(0, -1) : e;
      if (b.clusterName.toLowerCase() !== expected.toLowerCase()) {
        return fail("cluster_name mismatch");
      }
    }
    return {
      ok: true,
      manifest: {
        clusterName: b.clusterName,
        operatorSpk: b.operatorSpk,
        operatorSpkHex: bytesToHex(b.operatorSpk),
        nodes: b.nodes,
        seq: b.seq,
        exp: Number(b.exp),
        pinned: pinned !== undefined,
        wire,
      },
    };
  } catch {
    return fail("internal error");
  }
}
