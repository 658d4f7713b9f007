/**
 * The async path: TSIG-signed messages and RFC 2136 UPDATE.
 *
 * Order (RFC 2136 §3, brief §3.1, RFC 8945 §5.2):
 *   decode (FORMERR) → TSIG verify (NOTAUTH + BADKEY/BADSIG/BADTIME per
 *   RFC 8945 §5.3.2; replayed MAC → REFUSED) → signed QUERY: answered by the
 *   query path and signed → UPDATE enabled? (REFUSED) → zone section
 *   (FORMERR / NOTAUTH) → prerequisites (§3.2: YXDOMAIN, NXDOMAIN, YXRRSET,
 *   NXRRSET, NOTZONE) → prescan (§3.4.1: NOTZONE, FORMERR) → authorization
 *   (TSIG scope, or the anonymous-claim rules of brief §3.6) and caps
 *   (REFUSED) → one atomic write (SERVFAIL on store failure, nothing
 *   half-applied) → re-read so the node answers its own write at once.
 * Every answer to a verified request is signed with the request MAC chained.
 *
 * Deviations from the reference, all compatible with its clients (brief
 * §8.2): prerequisites are honoured; deleting an absent value is a NOERROR
 * no-op; owners are stored lower-case; failures answer with the question
 * echoed and a TSIG error RR instead of a 12-byte stub.
 *
 * @module
 */

import { claimProviderEnabled, type Config } from "../../../packages/core/config/env.ts";
import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import {
  applyRecordChanges,
  CapExceededError,
  readRecordsByName,
  type RecordChange,
  type StoredRecord,
} from "../../../packages/core/store/records.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { readZone } from "../../../packages/core/store/zones.ts";
import { TokenBucketTable } from "../../../packages/core/rate_limit/token_bucket_table.ts";
import { ReplayCache } from "../../../packages/core/tsig/replay_cache.ts";
import { buildTsigErrorResponse, signResponse } from "../../../packages/core/tsig/sign.ts";
import { unsignedMessage } from "../../../packages/core/tsig/mac_input.ts";
import { type TsigVerified, verifyTsig } from "../../../packages/core/tsig/verify.ts";
import {
  CLASS,
  OPCODE,
  RCODE,
  rcodeName,
  TYPE,
  typeName,
} from "../../../packages/core/wire/constants.ts";
import {
  decodeMessage,
  encodeMessage,
  type Message,
  type ResourceRecord,
} from "../../../packages/core/wire/message.ts";
import { canonicalName, isInZone } from "../../../packages/core/wire/name.ts";
import { rdataToValue } from "../../../packages/core/wire/rdata.ts";
import { scopeAllows } from "../../../packages/core/update/scope.ts";
import { parseClaimOwner, parseClaimWire } from "../../../packages/core/dmp/claim_record.ts";
import { recipientHash12FromX25519Pub } from "../../../packages/core/dmp/claim_record.ts";
import { bytesToHex, hexToBytes } from "../../../packages/core/dmp/hex.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import type { AsyncHandler } from "../dns_service.ts";
import { answerQuery } from "../pipeline/answer_query.ts";
import type { NodeKeyring } from "./node_keyring.ts";
import { GroupCommitter } from "./group_commit.ts";

/** Dependencies of the UPDATE handler. */
export interface UpdateDeps {
  config: Config;
  client: SqlClient;
  index: ZoneIndex;
  keyring: NodeKeyring;
  logger: Logger;
  metrics: MetricsRegistry;
  /** pull the replica before re-reading our own write (embedded replicas) */
  /**
   * Where UPDATE reads and writes go: the primary itself. For an embedded replica this is an
   * async HTTP client to the sync URL, because the replica's native binding runs writes and
   * syncs synchronously and would stall every query behind them.
   */
  writer: SqlClient;
}

/** Types a zone-wide (operator) key may write; user keys write TXT only (issue #3). */
const ZONE_KEY_TYPES: ReadonlySet<number> = new Set([
  TYPE.A,
  TYPE.AAAA,
  TYPE.CNAME,
  TYPE.MX,
  TYPE.SRV,
  TYPE.CAA,
  TYPE.NS,
  TYPE.TXT,
]);

type Verdict = { rcode: number; reason?: string; changes?: RecordChange[] };

/** Creates the async handler for UPDATE and TSIG-signed messages. */
export function createUpdateHandler(deps: UpdateDeps): AsyncHandler {
  const replay = new ReplayCache();
  const claimBuckets = new TokenBucketTable({
    rate: deps.config.DMP_CLAIM_RATE_PER_USER_PER_SEC,
    burst: deps.config.DMP_CLAIM_RATE_BURST,
  });
  const log = deps.logger;
  // Answers to signed requests by request MAC: a retransmission (nsupdate resends identical
  // bytes on timeout) gets the original answer again instead of being applied twice.
  const answered = new Map<string, Uint8Array>();
  const remember = (mac: string, bytes: Uint8Array) => {
    answered.set(mac, bytes);
    if (answered.size > 4096) answered.delete(answered.keys().next().value!);
  };

  const maxValues = deps.config.DMP_MAX_VALUES_PER_NAME;
  const committer = new GroupCommitter(
    (changes) =>
      applyRecordChanges(deps.writer, changes, {
        now: Date.now() / 1000,
        maxValuesPerName: maxValues,
      }),
    async (changes) => {
      // Read our own writes: re-read the touched names from the primary and patch the index
      // (the journal follower applies the same entries again later, idempotently).
      const now = Date.now() / 1000;
      const byZone = new Map<string, Set<string>>();
      for (const c of changes) {
        let names = byZone.get(c.zone);
        if (!names) byZone.set(c.zone, names = new Set());
        names.add(c.name);
      }
      for (const [zoneName, names] of byZone) {
        const list = [...names];
        deps.index.replaceNames(zoneName, list, await readRecordsByName(deps.writer, list, now));
        const zone = await readZone(deps.writer, zoneName);
        if (zone) deps.index.updateZoneMeta(zone);
      }
    },
  );

  return async (request, rawCtx) => {
    const ctx = { ...rawCtx, now: Math.floor(rawCtx.now) };
    const decoded = decodeMessage(request);
    if (!decoded.ok) {
      if (decoded.id === undefined) return { bytes: null, outcome: "malformed" };
      return {
        bytes: headerOnly(decoded.id, decoded.flags ?? 0, RCODE.FORMERR),
        outcome: "formerr",
      };
    }
    const msg = decoded.message;
    let verified: TsigVerified | undefined;
    if (msg.tsigOffset !== undefined) {
      const v = await verifyTsig(request, msg.tsigOffset, deps.keyring, { now: ctx.now });
      if (v.kind === "formerr") {
        return { bytes: skeleton(msg, RCODE.FORMERR), outcome: "formerr" };
      }
      if (v.kind !== "verified") {
        const error = v.kind === "badkey"
          ? RCODE.BADKEY
          : v.kind === "badsig"
          ? RCODE.BADSIG
          : RCODE.BADTIME;
        log.info(`TSIG ${v.kind}`, { key: v.keyName, from: ctx.remoteAddress });
        const bytes = await buildTsigErrorResponse(skeleton(msg, RCODE.NOTAUTH), {
          keyName: v.keyName,
          algorithm: v.algorithm,
          error,
          originalId: v.originalId,
          timeSigned: v.timeSigned,
          fudge: v.fudge,
          now: ctx.now,
          key: v.kind === "badtime" ? v.key : undefined,
          requestMac: v.requestMac,
        });
        return { bytes, outcome: "tsig_failed" };
      }
      verified = v;
      const macKey = `${v.keyName} ${bytesToHex(v.requestMac)}`;
      if (!replay.checkAndRemember(v.keyName, v.requestMac, v.timeSigned, ctx.now, v.fudge)) {
        const earlier = answered.get(macKey);
        if (earlier) {
          log.info("retransmitted TSIG message: resending the original answer", { key: v.keyName });
          return { bytes: earlier, outcome: "retransmit" };
        }
        log.warn("replayed TSIG message refused", { key: v.keyName, from: ctx.remoteAddress });
        return {
          bytes: await sign(skeleton(msg, RCODE.REFUSED), v, ctx.now),
          outcome: "replay_refused",
        };
      }
      if (msg.opcode !== OPCODE.UPDATE) {
        const stripped = unsignedMessage(request, msg.tsigOffset, msg.id);
        const answer = stripped
          ? answerQuery(stripped, deps.index, { maxTtl: deps.config.DMP_DNS_TTL }, {
            tcp: ctx.tcp,
            now: ctx.now,
          })
          : undefined;
        const bytes = answer?.kind === "reply" ? answer.bytes : skeleton(msg, RCODE.FORMERR);
        return {
          bytes: await sign(bytes, v, ctx.now),
          outcome: answer?.kind === "reply" ? answer.outcome : "formerr",
        };
      }
    } else if (msg.opcode !== OPCODE.UPDATE) {
      return { bytes: null, outcome: "malformed" };
    }

    let verdict: Verdict;
    try {
      verdict = await decideUpdate(msg, verified, ctx.now);
    } catch (e) {
      // Prerequisite and cap reads go to the primary; unreachable means SERVFAIL (retryable).
      log.error("UPDATE not applied: store write failed (primary unreachable)", {
        error: errText(e),
      });
      verdict = { rcode: RCODE.SERVFAIL };
    }
    let rcode = verdict.rcode;
    if (rcode === RCODE.NOERROR && verdict.changes && verdict.changes.length > 0) {
      try {
        await committer.submit(verdict.changes);
      } catch (e) {
        if (e instanceof CapExceededError) {
          rcode = RCODE.REFUSED;
          verdict.reason = "RRset would exceed DMP_MAX_VALUES_PER_NAME";
        } else {
          rcode = RCODE.SERVFAIL;
          log.error("UPDATE not applied: store write failed", {
            error: errText(e),
            from: ctx.remoteAddress,
          });
        }
      }
    }
    if (verdict.reason) {
      log.info(`UPDATE ${rcodeName(rcode)}: ${verdict.reason}`, {
        key: verified?.keyName ?? "-",
        from: ctx.remoteAddress,
      });
    }
    deps.metrics.inc("dmp_dns_updates_total", { result: rcodeName(rcode) });
    const response = skeleton(msg, rcode, true);
    if (!verified) return { bytes: response, outcome: rcodeName(rcode) };
    const signed = await sign(response, verified, ctx.now);
    remember(`${verified.keyName} ${bytesToHex(verified.requestMac)}`, signed);
    return { bytes: signed, outcome: rcodeName(rcode) };
  };

  async function decideUpdate(
    msg: Message,
    verified: TsigVerified | undefined,
    now: number,
  ): Promise<Verdict> {
    const cfg = deps.config;
    if (!cfg.DMP_DNS_UPDATE_ENABLED) {
      return { rcode: RCODE.REFUSED, reason: "DNS UPDATE is disabled" };
    }
    // RFC 2136 §3.1.1: exactly one zone, of type SOA.
    if (msg.questions.length !== 1 || msg.questions[0].type !== TYPE.SOA) {
      return { rcode: RCODE.FORMERR, reason: "zone section must hold one SOA entry" };
    }
    const zone = canonicalName(msg.questions[0].name);
    if (!deps.index.zone(zone)) {
      return { rcode: RCODE.NOTAUTH, reason: `not authoritative for ${zone}` };
    }

    // RFC 2136 §3.2: prerequisites.
    const prereqNames = [...new Set(msg.answers.map((rr) => canonicalName(rr.name)))];
    for (const rr of msg.answers) {
      if (rr.ttl !== 0) return { rcode: RCODE.FORMERR, reason: "prerequisite TTL must be 0" };
      if (!isInZone(canonicalName(rr.name), zone)) {
        return { rcode: RCODE.NOTZONE, reason: "prerequisite outside zone" };
      }
    }
    if (prereqNames.length > 0) {
      const existing = await readRecordsByName(deps.writer, prereqNames, now);
      const rc = checkPrerequisites(msg.answers, existing, zone);
      if (rc !== RCODE.NOERROR) {
        return { rcode: rc, reason: `prerequisite failed (${rcodeName(rc)})` };
      }
    }

    // RFC 2136 §3.4.1: prescan; build the changeset without touching the store.
    const changes: RecordChange[] = [];
    for (const rr of msg.authorities) {
      const owner = canonicalName(rr.name);
      if (!isInZone(owner, zone)) {
        return { rcode: RCODE.NOTZONE, reason: `${owner} is outside ${zone}` };
      }
      if (
        rr.type === TYPE.OPT || rr.type === TYPE.TSIG || rr.type === TYPE.AXFR ||
        rr.type === TYPE.IXFR
      ) {
        return { rcode: RCODE.FORMERR, reason: `type ${typeName(rr.type)} cannot be updated` };
      }
      if (rr.class === CLASS.IN) {
        if (rr.type === TYPE.ANY || rr.type === TYPE.SOA) {
          return { rcode: RCODE.REFUSED, reason: `cannot add ${typeName(rr.type)}` };
        }
        const value = rdataToValue(rr.type, rr.rdata);
        if (value === null) {
          return ZONE_KEY_TYPES.has(rr.type)
            ? { rcode: RCODE.FORMERR, reason: `malformed ${typeName(rr.type)} RDATA` }
            : { rcode: RCODE.REFUSED, reason: `type ${typeName(rr.type)} is not writable` };
        }
        if (rr.type === TYPE.TXT) {
          if (new TextEncoder().encode(value).length > cfg.DMP_MAX_VALUE_BYTES) {
            return {
              rcode: RCODE.REFUSED,
              reason: `value exceeds DMP_MAX_VALUE_BYTES (${cfg.DMP_MAX_VALUE_BYTES})`,
            };
          }
        }
        if (rr.ttl > cfg.DMP_MAX_TTL) {
          return {
            rcode: RCODE.REFUSED,
            reason: `TTL ${rr.ttl} exceeds DMP_MAX_TTL (${cfg.DMP_MAX_TTL})`,
          };
        }
        const ttl = rr.ttl === 0 ? 60 : rr.ttl;
        // DMP values live for their TTL (brief §1.6); zone data written by operators does not expire.
        const lifetime = rr.type === TYPE.TXT ? ttl : 0;
        changes.push({
          op: "add",
          zone,
          name: owner,
          type: typeName(rr.type),
          value,
          ttl,
          lifetime,
        });
      } else if (rr.class === CLASS.NONE) {
        if (rr.ttl !== 0) return { rcode: RCODE.FORMERR, reason: "delete TTL must be 0" };
        if (rr.type === TYPE.ANY) {
          return { rcode: RCODE.FORMERR, reason: "class NONE with type ANY" };
        }
        const value = rdataToValue(rr.type, rr.rdata);
        if (value === null) {
          return { rcode: RCODE.FORMERR, reason: `malformed ${typeName(rr.type)} RDATA` };
        }
        changes.push({ op: "delete_value", zone, name: owner, type: typeName(rr.type), value });
      } else if (rr.class === CLASS.ANY) {
        if (rr.ttl !== 0 || rr.rdata.length !== 0) {
          return { rcode: RCODE.FORMERR, reason: "delete RRset must be empty" };
        }
        if (rr.type === TYPE.SOA) return { rcode: RCODE.REFUSED, reason: "cannot delete the SOA" };
        changes.push({
          op: "delete_rrset",
          zone,
          name: owner,
          type: rr.type === TYPE.ANY ? "ANY" : typeName(rr.type),
        });
      } else {
        return { rcode: RCODE.FORMERR, reason: `class ${rr.class} in update section` };
      }
    }

    // Authorization: all or nothing (brief §3.1 step 9).
    if (verified) {
      const rec = deps.keyring.record(verified.keyName, now);
      if (!rec) return { rcode: RCODE.REFUSED, reason: "key no longer active" };
      const zoneWide = rec.allowedSuffixes.some((s) =>
        !s.includes("*") && canonicalName(s) === zone
      );
      for (const [i, c] of changes.entries()) {
        const rr = msg.authorities[i];
        if (!zoneWide && rr.type !== TYPE.TXT && !(c.op === "delete_rrset" && c.type === "ANY")) {
          return {
            rcode: RCODE.REFUSED,
            reason: `user keys write TXT only (${c.type} at ${c.name})`,
          };
        }
        if (zoneWide && !ZONE_KEY_TYPES.has(rr.type) && rr.type !== TYPE.ANY) {
          return { rcode: RCODE.REFUSED, reason: `type ${c.type} is not writable` };
        }
        const op = c.op === "add" ? "add" : "delete";
        if (!scopeAllows(rec.allowedSuffixes, c.name, op)) {
          return { rcode: RCODE.REFUSED, reason: `${c.name} is outside the key's scope for ${op}` };
        }
      }
    } else {
      const refusal = await checkAnonymousClaims(changes, zone, now);
      if (refusal) return refusal;
    }

    // The cap on values per name (brief §3.1 step 8) is enforced inside the write transaction
    // (`applyRecordChanges` guard), which also holds when two nodes race; a pre-read here would
    // cost a round trip to the primary per message and could still be raced. Unlike the
    // reference, refreshing a value already present is allowed at a full RRset (it adds nothing).
    return { rcode: RCODE.NOERROR, changes };
  }

  /** Brief §3.6: the one unauthenticated write surface. Returns a refusal or undefined. */
  async function checkAnonymousClaims(
    changes: RecordChange[],
    zone: string,
    now: number,
  ): Promise<Verdict | undefined> {
    const cfg = deps.config;
    const provider = claimProviderEnabled(cfg);
    if (!provider && !cfg.DMP_RECEIVER_CLAIM_NOTIFICATIONS) {
      return { rcode: RCODE.REFUSED, reason: "unsigned UPDATE and claims are not accepted" };
    }
    if (changes.length === 0) {
      return { rcode: RCODE.REFUSED, reason: "unsigned UPDATE without a claim" };
    }
    const registered = !provider ? await registeredRecipientHashes(zone, now) : undefined;
    for (const c of changes) {
      if (c.op !== "add" || c.type !== "TXT") {
        return { rcode: RCODE.REFUSED, reason: "unsigned UPDATE may only add claims" };
      }
      const owner = parseClaimOwner(c.name, zone);
      if (!owner) return { rcode: RCODE.REFUSED, reason: `${c.name} is not a claim name` };
      if (registered && !registered.has(owner.hash12)) {
        return { rcode: RCODE.REFUSED, reason: "recipient is not registered here" };
      }
      const claim = await parseClaimWire(c.value, { now, maxTtlSeconds: cfg.DMP_CLAIM_MAX_TTL });
      if (!claim.ok) return { rcode: RCODE.REFUSED, reason: `claim rejected: ${claim.reason}` };
      if (!claimBuckets.take(owner.hash12, now)) {
        return { rcode: RCODE.SERVFAIL, reason: "claim rate limit for this recipient" };
      }
      if (c.op === "add") {
        c.ttl = Math.min(c.ttl || 60, cfg.DMP_CLAIM_MAX_TTL);
        c.lifetime = c.ttl;
      }
    }
    return undefined;
  }

  /** Brief §2.4 `registered_recipient_hashes`: recipients whose keys may receive mailbox writes. */
  async function registeredRecipientHashes(zone: string, now: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (const k of deps.keyring.records()) {
      if (k.revoked || (k.expiresAt !== 0 && k.expiresAt <= now)) continue;
      const mailboxScoped = k.allowedSuffixes.some((s) => {
        const n = canonicalName(s);
        return n === zone ||
          /^(mb-[^.]+|slot-[^.]*\.mb-[^.]*|claim-[^.]*\.mb-[^.]*)\./.test(n) &&
            n.endsWith("." + zone) &&
            n.split(".").length <= zone.split(".").length + 2;
      });
      const pub = k.registeredX25519Pub ? hexToBytes(k.registeredX25519Pub) : null;
      if (mailboxScoped && pub && pub.length === 32) {
        out.add(await recipientHash12FromX25519Pub(pub));
      }
      for (const s of k.allowedSuffixes) {
        const m = /^mb-([0-9a-f]{12})\.(.+)$/.exec(canonicalName(s));
        if (m && m[2] === zone) out.add(m[1]);
      }
    }
    return out;
  }
}

/** RFC 2136 §3.2.1–§3.2.5 against the current store content. */
function checkPrerequisites(
  prereqs: ResourceRecord[],
  existing: StoredRecord[],
  zone: string,
): number {
  const byName = new Map<string, StoredRecord[]>();
  for (const r of existing) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const valueSets = new Map<string, { name: string; type: string; values: Set<string> }>();
  const nameInUse = (n: string) => (byName.get(n)?.length ?? 0) > 0 || n === zone;
  for (const rr of prereqs) {
    const name = canonicalName(rr.name);
    const type = typeName(rr.type);
    const rrset = (byName.get(name) ?? []).filter((r) => r.type === type);
    if (rr.class === CLASS.ANY) {
      if (rr.rdata.length !== 0) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (!nameInUse(name)) return RCODE.NXDOMAIN;
      } else if (rrset.length === 0 && !(rr.type === TYPE.SOA && name === zone)) {
        return RCODE.NXRRSET;
      }
    } else if (rr.class === CLASS.NONE) {
      if (rr.rdata.length !== 0) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (nameInUse(name)) return RCODE.YXDOMAIN;
      } else if (rrset.length > 0) return RCODE.YXRRSET;
    } else if (rr.class === CLASS.IN) {
      const value = rdataToValue(rr.type, rr.rdata);
      if (value === null) return RCODE.FORMERR;
      const key = `${name}\n${type}`;
      const set = valueSets.get(key) ?? { name, type, values: new Set<string>() };
      set.values.add(value);
      valueSets.set(key, set);
    } else return RCODE.FORMERR;
  }
  // §3.2.3: value-dependent RRsets must match exactly (same values, nothing more).
  for (const set of valueSets.values()) {
    const have = new Set(
      (byName.get(set.name) ?? []).filter((r) => r.type === set.type).map((r) => r.value),
    );
    if (have.size !== set.values.size || [...set.values].some((v) => !have.has(v))) {
      return RCODE.NXRRSET;
    }
  }
  return RCODE.NOERROR;
}

/** A response echoing the request's question/zone section, with `rcode`. */
function skeleton(msg: Message, rcode: number, aa = false): Uint8Array {
  return encodeMessage({
    id: msg.id,
    flags: 0x8000 | (aa ? 0x0400 : 0) | (msg.flags & 0x0100),
    opcode: msg.opcode,
    rcode,
    questions: msg.questions.slice(0, 1),
    answers: [],
    authorities: [],
    additionals: [],
  });
}

function headerOnly(id: number, flags: number, rcode: number): Uint8Array {
  const out = new Uint8Array(12);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out[2] = 0x80 | ((flags >> 8) & 0x78);
  out[3] = rcode;
  return out;
}

function sign(response: Uint8Array, v: TsigVerified, now: number): Promise<Uint8Array> {
  return signResponse(response, { key: v.key, requestMac: v.requestMac, now });
}

function errText(e: unknown): string {
  return String((e as Error)?.message ?? e).slice(0, 300);
}
