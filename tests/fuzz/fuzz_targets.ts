/**
 * Fuzz targets of the decoders that read untrusted bytes: the DNS packet
 * parser, TSIG, the pure part of UPDATE processing, the master-file parser
 * and the DMP wire codecs. Each target turns one input into an outcome
 * string (what the decoder concluded, with numbers blanked, so that a new
 * string means a new parse path) and throws only on a crash: an exception out
 * of a function documented "never throws", or a JavaScript runtime error
 * (`TypeError`, `RangeError`, …) that a catch-all turned into an error
 * result. Used by the corpus replay in `npm test`
 * (`tests/fuzz/corpus_replay.test.ts`) and by the mutation fuzzer
 * `bench/fuzz/run.ts`.
 *
 * @module
 */

import { decodeMessage, encodeMessage, type Message } from "../../packages/core/wire/message.ts";
import { CLASS, OPCODE, TYPE } from "../../packages/core/wire/constants.ts";
import { canonicalName } from "../../packages/core/wire/name.ts";
import { encodeTxtRdata, rdataToValue } from "../../packages/core/wire/rdata.ts";
import { parseRequest } from "../../apps/udp-node/pipeline/parse_query.ts";
import { createKeyring, tsigKey } from "../../packages/core/tsig/keyring.ts";
import { signRequest } from "../../packages/core/tsig/sign.ts";
import { decodeTsigRdata, readTsigRecord } from "../../packages/core/tsig/tsig_rdata.ts";
import { verifyTsig } from "../../packages/core/tsig/verify.ts";
import { scopeAllows } from "../../packages/core/update/scope.ts";
import { parseMasterFile } from "../../packages/core/zone/master_file.ts";
import {
  parseHeartbeatBody,
  parseHeartbeatWire,
} from "../../packages/core/dmp/heartbeat_record.ts";
import { parseClaimWire } from "../../packages/core/dmp/claim_record.ts";
import {
  parseClusterManifestBody,
  parseClusterManifestWire,
} from "../../packages/core/dmp/cluster_manifest.ts";
import { hexToBytes } from "../../packages/core/dmp/hex.ts";

/** One fuzz target. */
export interface FuzzTarget {
  /** directory name under tests/testdata/fuzz/ */
  name: string;
  /** valid (and some invalid) inputs to start from when the corpus is empty */
  seeds(): Promise<Uint8Array[]>;
  /** the outcome of one input; throws on a crash */
  run(input: Uint8Array): Promise<string> | string;
}

/** Root of the stored corpora, one directory per target. */
export const CORPUS_ROOT = new URL("../testdata/fuzz/", import.meta.url);

/**
 * Reads the stored corpus of a target: `*.bin` files, crash reproducers
 * (`crash-*.bin`) included, sorted by name.
 *
 * @param target a target's name
 * @returns each file's name and bytes
 */
export async function readCorpus(target: string): Promise<{ file: string; bytes: Uint8Array }[]> {
  const dir = new URL(`${target}/`, CORPUS_ROOT);
  const out: { file: string; bytes: Uint8Array }[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".bin")) {
        out.push({ file: e.name, bytes: await Deno.readFile(new URL(e.name, dir)) });
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Fixed clock of every target (outcomes must not depend on when they run). */
const NOW = 1_767_000_000;
const ZONE = "fuzz.test";
const KEY = tsigKey("k.fuzz.test", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=");
const KEY512 = tsigKey("k512.fuzz.test", "hmac-sha512", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=");
const KEYRING = createKeyring([KEY, KEY512]);
const SCOPE = [`id-a1.${ZONE}`, `slot-*.mb-*.${ZONE}`];
/** A runtime error that a decoder's catch-all may have turned into an error result. */
const RUNTIME_ERROR =
  /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|InternalError)\b|Maximum call stack/;

/**
 * Blanks numbers and quoted input so that "offset 17" and "offset 18", or
 * type "BAR" and type "BAZ", are one outcome.
 */
function shape(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\d+/g, "#").slice(0, 160);
}

/** Throws when a decoder's error text reports a JavaScript runtime error. */
function noRuntimeError(text: string): string {
  if (RUNTIME_ERROR.test(text)) throw new Error(`runtime error surfaced as a result: ${text}`);
  return text;
}

function query(name: string, type: number, opcode: number = OPCODE.QUERY): Message {
  return {
    id: 0x4242,
    flags: 0,
    opcode,
    rcode: 0,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals: [],
  } as unknown as Message;
}

function update(records: { name: string; type: number; class: number; value?: string }[]): Message {
  const m = query(ZONE, TYPE.SOA, OPCODE.UPDATE);
  m.authorities.push(...records.map((r) => ({
    name: r.name,
    type: r.type,
    class: r.class,
    ttl: r.class === CLASS.IN ? 300 : 0,
    rdata: r.value === undefined ? new Uint8Array(0) : encodeTxtRdata(r.value),
  })));
  return m;
}

const UPDATES: Message[] = [
  update([{ name: `id-a1.${ZONE}`, type: TYPE.TXT, class: CLASS.IN, value: "v=dmp1;t=identity" }]),
  update([{ name: `slot-3.mb-abcdef012345.${ZONE}`, type: TYPE.TXT, class: CLASS.IN, value: "x" }]),
  update([{ name: `id-a1.${ZONE}`, type: TYPE.TXT, class: CLASS.ANY }]),
  update([{ name: `id-a1.${ZONE}`, type: TYPE.TXT, class: CLASS.NONE, value: "old" }]),
  update([{ name: `other.${ZONE}`, type: TYPE.A, class: CLASS.IN, value: "1" }]),
];

function packetOutcome(input: Uint8Array): string {
  const d = decodeMessage(input);
  const req = parseRequest(input);
  const reqText = `${req.kind}:${"reason" in req ? noRuntimeError(String(req.reason)) : ""}`;
  if (!d.ok) return `err ${shape(noRuntimeError(d.error))} | ${shape(reqText)}`;
  const m = d.message;
  const types = [...new Set([...m.answers, ...m.authorities, ...m.additionals].map((r) => r.type))]
    .sort((a, b) => a - b);
  return `ok op${m.opcode} qd${Math.min(m.questions.length, 3)} an${m.answers.length > 0} ` +
    `ns${m.authorities.length > 0} ar${m.additionals.length > 0} tsig${
      m.tsigOffset !== undefined
    } ` +
    `t${types.join(",")} | ${shape(reqText)}`;
}

/** The DNS packet parser: `decodeMessage` and the query pipeline's `parseRequest`. */
const packet: FuzzTarget = {
  name: "packet",
  seeds: () =>
    Promise.resolve([
      encodeMessage(query("www.fuzz.test", TYPE.TXT)),
      encodeMessage(query("a.b.c.fuzz.test", TYPE.A)),
      encodeMessage({ ...query("x.fuzz.test", TYPE.AAAA), flags: 0x8400 }),
      ...UPDATES.map((m) => encodeMessage(m)),
      new Uint8Array(12),
    ]),
  run: packetOutcome,
};

/** TSIG: the TSIG RR reader and RDATA decoder, and request verification against a keyring. */
const tsig: FuzzTarget = {
  name: "tsig",
  async seeds() {
    const out: Uint8Array[] = [];
    for (const m of [query("www.fuzz.test", TYPE.TXT), ...UPDATES.slice(0, 2)]) {
      for (const key of [KEY, KEY512]) {
        for (const now of [NOW, NOW - 3600]) {
          out.push((await signRequest(encodeMessage(m), { key, now })).wire);
        }
      }
    }
    out.push(
      (await signRequest(encodeMessage(query("k", 1)), {
        key: tsigKey("unknown.key", "hmac-sha1", "c2VjcmV0"),
        now: NOW,
      })).wire,
    );
    return out;
  },
  async run(input) {
    const d = decodeMessage(input);
    if (!d.ok) return `undecodable ${shape(noRuntimeError(d.error))}`;
    const offset = d.message.tsigOffset;
    if (offset === undefined) return "no tsig";
    const rr = readTsigRecord(input, offset);
    const rrText = rr.ok ? "rr ok" : `rr ${shape(noRuntimeError(rr.error))}`;
    const rd = decodeTsigRdata(input, offset) === null ? "rdata-at-owner null" : "rdata-at-owner";
    const v = await verifyTsig(input, offset, KEYRING, { now: NOW });
    const vText = v.kind === "formerr" ? `formerr ${shape(noRuntimeError(v.reason))}` : v.kind;
    return `${rrText} | ${rd} | ${vText}`;
  },
};

/**
 * UPDATE (RFC 2136 §3): the pure steps a node takes before touching the
 * store: decode, opcode and zone section, then for each update RR its class
 * (add, delete RRset, delete value), scope check of a user key and RDATA to
 * value. The rest of the handler needs the store and is exercised against
 * real processes by tests/update/.
 */
const updateTarget: FuzzTarget = {
  name: "update",
  seeds: () => Promise.resolve(UPDATES.map((m) => encodeMessage(m))),
  run(input) {
    const d = decodeMessage(input);
    if (!d.ok) return `undecodable ${shape(noRuntimeError(d.error))}`;
    const m = d.message;
    if (m.opcode !== OPCODE.UPDATE) return `opcode ${m.opcode}`;
    if (m.questions.length !== 1 || m.questions[0].type !== TYPE.SOA) return "zone section formerr";
    const zone = canonicalName(m.questions[0].name);
    const parts: string[] = [`prereq ${Math.min(m.answers.length, 3)}`];
    for (const rr of m.authorities.slice(0, 8)) {
      const owner = canonicalName(rr.name);
      const op = rr.class === CLASS.IN
        ? "add"
        : rr.class === CLASS.ANY || rr.class === CLASS.NONE
        ? "delete"
        : "badclass";
      const inZone = owner === zone || owner.endsWith(`.${zone}`);
      const allowed = op === "badclass" ? false : scopeAllows(SCOPE, owner, op);
      const value = rr.rdata.length ? rdataToValue(rr.type, rr.rdata) : "";
      parts.push(`${op}/${rr.type}/${inZone}/${allowed}/${value === null ? "badrdata" : "v"}`);
    }
    return shape(parts.join(" "));
  },
};

/** The RFC 1035 master-file parser (text; invalid UTF-8 is decoded with replacement). */
const masterFile: FuzzTarget = {
  name: "master_file",
  async seeds() {
    const example = await Deno.readTextFile(
      new URL("../../packages/core/zone/testdata/example.zone", import.meta.url),
    );
    const enc = new TextEncoder();
    return [
      example,
      "$TTL 1h\n@ IN SOA ns1 hostmaster 1 2h 1h 2w 5m\nwww A 192.0.2.1\n",
      '$ORIGIN sub.fuzz.test.\ntxt 300 IN TXT "a b" "c\\"d" ( "e" )\n',
      "@ 60 IN MX 10 mail\n@ AAAA 2001:db8::1\n* CNAME www\n_srv._tcp SRV 0 5 80 www\n",
      '$INCLUDE other.zone\n@ CAA 0 issue "ca.example"\n',
    ].map((t) => enc.encode(t));
  },
  run(input) {
    const text = new TextDecoder().decode(input);
    const r = parseMasterFile(text, { origin: ZONE });
    if (!r.ok) return `err ${shape(noRuntimeError(r.error))}`;
    const types = [...new Set(r.records.map((x) => x.type))].sort();
    return `ok ${Math.min(r.records.length, 4)} ${types.join(",")}`;
  },
};

/** Every DMP wire in the protocol vectors (hex strings that decode to "v=dmp1;t=…"). */
async function vectorWires(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const dirs = [
    new URL("../testdata/vectors/", import.meta.url),
    new URL("../testdata/vectors/reference-generated/", import.meta.url),
  ];
  for (const dir of dirs) {
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".json")) continue;
      const text = await Deno.readTextFile(new URL(e.name, dir));
      for (const m of text.matchAll(/"((?:[0-9a-f]{2}){16,})"/g)) {
        const bytes = hexToBytes(m[1]);
        if (bytes && new TextDecoder().decode(bytes.slice(0, 9)) === "v=dmp1;t=") out.push(bytes);
      }
      for (const m of text.matchAll(/"(v=dmp1;t=[^"]+)"/g)) {
        out.push(new TextEncoder().encode(m[1]));
      }
    }
  }
  return out;
}

/**
 * The DMP codecs that read peers' wires: heartbeat, claim and cluster
 * manifest (wire and body parsers; signature checks included).
 */
const dmp: FuzzTarget = {
  name: "dmp",
  seeds: vectorWires,
  async run(input) {
    const wire = new TextDecoder().decode(input);
    const results = [
      await parseHeartbeatWire(wire, { now: NOW }),
      await parseClaimWire(wire, { now: NOW }),
      await parseClusterManifestWire(wire, { now: NOW }),
      parseHeartbeatBody(input),
      parseClusterManifestBody(input),
    ];
    return results.map((r) => r.ok ? "ok" : shape(noRuntimeError(String(r.reason)))).join(" | ");
  },
};

/** Every target, by name. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [packet, tsig, updateTarget, masterFile, dmp];
