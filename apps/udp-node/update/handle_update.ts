/**
 * The async path: TSIG-signed messages and RFC 2136 UPDATE.
 *
 * Order (RFC 2136 §3, brief §3.1, RFC 8945 §5.2):
 *   decode (FORMERR) → TSIG verify (NOTAUTH + BADKEY/BADSIG/BADTIME per
 *   RFC 8945 §5.3.2; MAC replayed at this node → the original answer, or
 *   REFUSED) → signed QUERY: answered by the query path and signed → UPDATE
 *   enabled, message size and RR count (REFUSED) → zone section (FORMERR /
 *   NOTAUTH) → form of the prerequisites (FORMERR, NOTZONE) → prescan
 *   (§3.4.1: NOTZONE, FORMERR) → authorization (TSIG scope, or the
 *   anonymous-claim rules of brief §3.6) → one atomic write that also holds
 *   every check depending on the store: the MAC not used before at any node,
 *   the prerequisites (§3.2: YXDOMAIN, NXDOMAIN, YXRRSET, NXRRSET), the
 *   §3.4.2 ignore rules, quotas and caps (REFUSED) → SERVFAIL on store
 *   failure, nothing half-applied → re-read so the node answers its own write.
 *   Authorization precedes the prerequisites (RFC 2136 has them the other
 *   way round) so a key learns nothing about names outside its scope.
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
  CapExceededError,
  readRecordsByName,
  type RecordChange,
  type SoaChange,
} from "../../../packages/core/store/records.ts";
import {
  applyUpdateWrites,
  type GuardFailure,
  type Prerequisite,
  recordUsedTsigMac,
  ReplayedUpdateError,
  UpdateGuardError,
  type UpdateQuotas,
  type UpdateWrite,
} from "../../../packages/core/store/update_write.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { readZone } from "../../../packages/core/store/zones.ts";
import { TokenBucketTable } from "../../../packages/core/rate_limit/token_bucket_table.ts";
import { ReplayCache } from "../../../packages/core/tsig/replay_cache.ts";
import {
  type Fingerprint,
  fingerprintOf,
  FingerprintRing,
} from "../../../packages/core/hash/fingerprint_ring.ts";
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
  type Message,
  type ResourceRecord,
} from "../../../packages/core/wire/message.ts";
import {
  headerOnlyResponse,
  questionEchoResponse,
} from "../../../packages/core/wire/error_response.ts";
import { canonicalName, isInZone } from "../../../packages/core/wire/name.ts";
import { decodeSoaRdata, rdataToValue } from "../../../packages/core/wire/rdata.ts";
import { txtSplitOf } from "../../../packages/core/wire/txt_split.ts";
import { scopeAllows } from "../../../packages/core/update/scope.ts";
import {
  ACME_CHALLENGE_LIFETIME,
  acmeScopeZone,
  isAcmeChallengeName,
} from "../../../packages/core/update/acme_scope.ts";
import { parseClaimOwner, parseClaimWire } from "../../../packages/core/dmp/claim_record.ts";
import { recipientHash12FromX25519Pub } from "../../../packages/core/dmp/claim_record.ts";
import { bytesToHex, hexToBytes } from "../../../packages/core/dmp/hex.ts";
import { utf8ByteLength } from "../../../packages/core/dmp/utf8.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import type { AsyncHandler } from "../dns_service.ts";
import { answerQuery } from "../pipeline/answer_query.ts";
import type { NodeKeyring } from "./node_keyring.ts";
import { GroupCommitter } from "./group_commit.ts";
import type { QueryFirstLane } from "../pipeline/query_first_lane.ts";
import { type IndexPatch, namePatches } from "../zone_index/index_patch.ts";
import type { IndexPatchQueue } from "../zone_index/index_patch_queue.ts";

/** Dependencies of the UPDATE handler. */
export interface UpdateDeps {
  config: Config;
  client: SqlClient;
  index: ZoneIndex;
  /** where the handler's read of its own writes goes into `index` (in order with catch-ups) */
  indexPatches: IndexPatchQueue;
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
  /** hears of each fresh (not replayed) successful TSIG verification: the key's last use */
  keyUsed?: (keyName: string, now: number) => void;
  /**
   * Brings the index up to date with the journal (a replica reads the primary's) and returns
   * the journal position the index has reached. After a commit, the handler calls it first: the
   * journal follower then applies the group's writes once, instead of the handler re-reading
   * the names and the follower applying them again at its next catch-up.
   */
  followJournal?: (now: number) => Promise<number>;
  /** where a committed UPDATE waits to be answered, so queries go first (absent: at once) */
  lane?: QueryFirstLane;
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
  TYPE.SOA,
]);

/** Largest TSIG fudge an UPDATE may carry (seconds), which bounds how long its MAC is kept. */
const MAX_UPDATE_FUDGE = 600;

/** Answers kept for retransmitted UPDATEs: the latest this many. */
const RETRANSMIT_ANSWERS = 4096;
/**
 * Largest answer kept for a retransmission: an UPDATE's answer is its header, the zone question
 * and the TSIG RR, ~150 bytes for DMP names (4096 × 512 bytes reserved, written as used).
 */
const RETRANSMIT_ANSWER_BYTES = 512;

type Verdict = { rcode: number; reason?: string; write?: UpdateWrite };

/** RFC 2136 §3.2 rcodes of the in-transaction prerequisite guards. */
const PREREQ_RCODE: Partial<Record<GuardFailure, number>> = {
  prereq_nxdomain: RCODE.NXDOMAIN,
  prereq_yxdomain: RCODE.YXDOMAIN,
  prereq_nxrrset: RCODE.NXRRSET,
  prereq_yxrrset: RCODE.YXRRSET,
};

/** Which setting a quota refusal hit (the log line names it). */
const QUOTA_SETTING: Partial<Record<GuardFailure, string>> = {
  quota_records_per_key: "DMP_QUOTA_RECORDS_PER_KEY",
  quota_bytes_per_key: "DMP_QUOTA_BYTES_PER_KEY",
  quota_records_per_user: "DMP_QUOTA_RECORDS_PER_USER",
  quota_bytes_per_user: "DMP_QUOTA_BYTES_PER_USER",
  quota_values_per_key_per_name: "DMP_MAX_VALUES_PER_KEY_PER_NAME",
};

/** Creates the async handler for UPDATE and TSIG-signed messages. */
export function createUpdateHandler(deps: UpdateDeps): AsyncHandler {
  const replay = new ReplayCache();
  const countUpdate = deps.metrics.counterByLabel("dmp_dns_updates_total", "result");
  const claimBuckets = new TokenBucketTable({
    rate: deps.config.DMP_CLAIM_RATE_PER_USER_PER_SEC,
    burst: deps.config.DMP_CLAIM_RATE_BURST,
  });
  const log = deps.logger;
  // Answers to signed requests by (key, request MAC): a retransmission (nsupdate resends
  // identical bytes on timeout) gets the original answer again instead of being applied twice.
  // Held in typed arrays, not as an object per answer (fingerprint_ring.ts).
  const answered = new FingerprintRing(RETRANSMIT_ANSWERS, RETRANSMIT_ANSWER_BYTES);
  const answeredKey: Fingerprint = { hi: 0, lo: 0 };
  const answerKey = (v: TsigVerified) => fingerprintOf(v.keyName, v.requestMac, answeredKey);

  const maxValues = deps.config.DMP_MAX_VALUES_PER_NAME;
  const quotas: UpdateQuotas = {
    recordsPerKey: deps.config.DMP_QUOTA_RECORDS_PER_KEY,
    bytesPerKey: deps.config.DMP_QUOTA_BYTES_PER_KEY,
    recordsPerUser: deps.config.DMP_QUOTA_RECORDS_PER_USER,
    bytesPerUser: deps.config.DMP_QUOTA_BYTES_PER_USER,
    valuesPerKeyPerName: deps.config.DMP_MAX_VALUES_PER_KEY_PER_NAME,
  };
  const committer = new GroupCommitter<UpdateWrite>(
    (writes) =>
      applyUpdateWrites(deps.writer, writes, {
        now: Date.now() / 1000,
        maxValuesPerName: maxValues,
      }),
    async (writes, journalSeq) => {
      const now = Date.now() / 1000;
      // Read our own writes: the journal follower applies them (and whatever came before).
      if (deps.followJournal && journalSeq > 0) {
        try {
          if (await deps.followJournal(now) >= journalSeq) return;
        } catch {
          // Read the names below instead.
        }
      }
      // It did not get that far (a keystore change first in the primary's journal, a backlog of
      // a full page): re-read the touched names from the primary and patch the index (the
      // follower applies the same entries again later, idempotently).
      const byZone = new Map<string, Set<string>>();
      const touch = (zone: string) => {
        let names = byZone.get(zone);
        if (!names) byZone.set(zone, names = new Set());
        return names;
      };
      for (const w of writes) {
        for (const c of w.changes) touch(c.zone).add(c.name);
        if (w.soa) touch(w.soa.zone);
      }
      for (const [zoneName, names] of byZone) {
        const list = [...names];
        const patches: IndexPatch[] = [];
        if (list.length > 0) {
          const records = await readRecordsByName(deps.writer, list, now);
          patches.push(...namePatches(zoneName, list, records));
        }
        const zone = await readZone(deps.writer, zoneName);
        if (zone) patches.push({ kind: "zone_meta", zone });
        await deps.indexPatches.apply(patches);
      }
    },
    (e) => {
      if (e instanceof UpdateGuardError || e instanceof ReplayedUpdateError) return e.writeIndex;
      // The value cap is checked over the whole group at its end: which message broke it is
      // found by applying them one by one.
      return e instanceof CapExceededError ? undefined : null;
    },
    { minInterval: deps.config.DMP_UPDATE_COMMIT_INTERVAL_MS },
  );

  return async (request, ctx) => {
    const now = Math.floor(ctx.now);
    const decoded = decodeMessage(request);
    if (!decoded.ok) {
      if (decoded.id === undefined) return { bytes: null, outcome: "malformed" };
      return {
        bytes: headerOnlyResponse(decoded.id, decoded.flags ?? 0, RCODE.FORMERR),
        outcome: "formerr",
      };
    }
    const msg = decoded.message;
    let verified: TsigVerified | undefined;
    // The request MAC in hex: the replay key, the remembered answer's key, the used-MAC row.
    let macHex = "";
    if (msg.tsigOffset !== undefined) {
      const v = await verifyTsig(request, msg.tsigOffset, deps.keyring, { now });
      if (v.kind === "formerr") {
        return { bytes: questionEchoResponse(msg, RCODE.FORMERR), outcome: "formerr" };
      }
      if (v.kind !== "verified") {
        const error = v.kind === "badkey"
          ? RCODE.BADKEY
          : v.kind === "badsig"
          ? RCODE.BADSIG
          : RCODE.BADTIME;
        log.info(`TSIG ${v.kind}`, { key: v.keyName, from: ctx.remoteAddress });
        const bytes = await buildTsigErrorResponse(questionEchoResponse(msg, RCODE.NOTAUTH), {
          keyName: v.keyName,
          algorithm: v.algorithm,
          error,
          originalId: v.originalId,
          timeSigned: v.timeSigned,
          fudge: v.fudge,
          now,
          key: v.kind === "badtime" ? v.key : undefined,
          requestMac: v.requestMac,
        });
        return { bytes, outcome: "tsig_failed" };
      }
      verified = v;
      macHex = bytesToHex(v.requestMac);
      if (!replay.checkAndRemember(v.keyName, v.requestMac, v.timeSigned, now, v.fudge)) {
        const at = answered.find(answerKey(v));
        if (at >= 0) {
          const earlier = answered.payloadAt(at);
          log.info("retransmitted TSIG message: resending the original answer", { key: v.keyName });
          return { bytes: earlier, outcome: "retransmit" };
        }
        log.warn("replayed TSIG message refused", { key: v.keyName, from: ctx.remoteAddress });
        return {
          bytes: await sign(questionEchoResponse(msg, RCODE.REFUSED), v, now),
          outcome: "replay_refused",
        };
      }
      deps.keyUsed?.(v.keyName, now);
      if (msg.opcode !== OPCODE.UPDATE) {
        const stripped = unsignedMessage(request, msg.tsigOffset, msg.id);
        const answer = stripped
          ? answerQuery(stripped, deps.index, { maxTtl: deps.config.DMP_DNS_TTL }, {
            tcp: ctx.tcp,
            now,
          })
          : undefined;
        const bytes = answer?.kind === "reply"
          ? answer.bytes
          : questionEchoResponse(msg, RCODE.FORMERR);
        return {
          bytes: await sign(bytes, v, now),
          outcome: answer?.kind === "reply" ? answer.outcome : "formerr",
        };
      }
    } else if (msg.opcode !== OPCODE.UPDATE) {
      return { bytes: null, outcome: "malformed" };
    }

    let verdict: Verdict;
    try {
      verdict = await decideUpdate(msg, verified, macHex, now, request.length);
    } catch (e) {
      // Deciding reads nothing from the store any more (its checks run in the write); whatever
      // fails here is answered SERVFAIL (retryable) with nothing applied.
      log.error("UPDATE not applied: could not decide it", {
        error: errText(e),
      });
      verdict = { rcode: RCODE.SERVFAIL };
    }
    let rcode = verdict.rcode;
    let outcome: string | undefined;
    const write = verdict.write;
    if (
      rcode === RCODE.NOERROR && write &&
      (write.changes.length > 0 || write.prerequisites.length > 0 || write.soa)
    ) {
      try {
        await committer.submit(write);
        // A group's answers are signed one per turn, queries in between (query_first_lane.ts).
        await deps.lane?.turn();
      } catch (e) {
        const refused = refusal(e);
        // Same outcome as a replay this node caught in memory (dmp_dns_queries_total).
        if (e instanceof ReplayedUpdateError) outcome = "replay_refused";
        if (refused) {
          rcode = refused.rcode;
          verdict.reason = refused.reason;
          // The request's own MAC insert was rolled back with it; remember the MAC anyway, so
          // that it cannot apply later at another node once the state has changed.
          if (write.usedMac && !(e instanceof ReplayedUpdateError)) {
            await recordUsedTsigMac(deps.writer, write.usedMac).catch((err) =>
              log.warn("could not record a refused UPDATE's TSIG MAC", { error: errText(err) })
            );
          }
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
    countUpdate(rcodeName(rcode));
    const response = questionEchoResponse(msg, rcode, true);
    if (!verified) return { bytes: response, outcome: rcodeName(rcode) };
    const signed = await sign(response, verified, now);
    // A longer answer (a very long zone or key name) is not kept: its retransmission is refused
    // as a replay, which changes nothing.
    if (signed.length <= RETRANSMIT_ANSWER_BYTES) answered.add(answerKey(verified), 0, signed);
    return { bytes: signed, outcome: outcome ?? rcodeName(rcode) };
  };

  /** Maps a failed in-transaction check to its answer; undefined for a store failure. */
  function refusal(e: unknown): { rcode: number; reason: string } | undefined {
    if (e instanceof ReplayedUpdateError) {
      return { rcode: RCODE.REFUSED, reason: "replayed TSIG message (its MAC was already used)" };
    }
    if (e instanceof CapExceededError) {
      return { rcode: RCODE.REFUSED, reason: "RRset would exceed DMP_MAX_VALUES_PER_NAME" };
    }
    if (e instanceof UpdateGuardError) {
      const prereq = PREREQ_RCODE[e.failure];
      if (prereq !== undefined) {
        return { rcode: prereq, reason: `prerequisite failed (${rcodeName(prereq)})` };
      }
      return { rcode: RCODE.REFUSED, reason: `quota ${QUOTA_SETTING[e.failure]} reached` };
    }
    return undefined;
  }

  async function decideUpdate(
    msg: Message,
    verified: TsigVerified | undefined,
    macHex: string,
    now: number,
    size: number,
  ): Promise<Verdict> {
    const cfg = deps.config;
    if (!cfg.DMP_DNS_UPDATE_ENABLED) {
      return { rcode: RCODE.REFUSED, reason: "DNS UPDATE is disabled" };
    }
    // Issue 12 #9: bound the work one message can ask for before looking at it further.
    if (size > cfg.DMP_UPDATE_MAX_BYTES) {
      return { rcode: RCODE.REFUSED, reason: `message exceeds DMP_UPDATE_MAX_BYTES (${size})` };
    }
    if (msg.answers.length + msg.authorities.length > cfg.DMP_UPDATE_MAX_RRS) {
      return { rcode: RCODE.REFUSED, reason: "message exceeds DMP_UPDATE_MAX_RRS" };
    }
    // A used MAC is kept until Time Signed + fudge (the whole window in which RFC 8945 §5.2.3
    // accepts the request); a client-chosen fudge of up to 18 h would let one key make those
    // rows pile up. 300 s is what nsupdate, knsupdate and dnspython send.
    if (verified && verified.fudge > MAX_UPDATE_FUDGE) {
      return {
        rcode: RCODE.REFUSED,
        reason: `TSIG fudge ${verified.fudge} s exceeds ${MAX_UPDATE_FUDGE} s`,
      };
    }
    // RFC 2136 §3.1.1: exactly one zone, of type SOA.
    if (msg.questions.length !== 1 || msg.questions[0].type !== TYPE.SOA) {
      return { rcode: RCODE.FORMERR, reason: "zone section must hold one SOA entry" };
    }
    const zone = canonicalName(msg.questions[0].name);
    if (!deps.index.zone(zone)) {
      return { rcode: RCODE.NOTAUTH, reason: `not authoritative for ${zone}` };
    }

    // RFC 2136 §3.2: prerequisites. Their form is checked here; whatever depends on the
    // store runs as guards inside the write transaction (§3.7), so racing writers serialize.
    const prereqs = prerequisites(msg.answers, zone);
    if (typeof prereqs === "number") {
      return { rcode: prereqs, reason: `prerequisite failed (${rcodeName(prereqs)})` };
    }

    // RFC 2136 §3.4.1: prescan; build the changeset without touching the store.
    const entries: { type: number; change: RecordChange }[] = [];
    let soa: SoaChange | undefined;
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
        if (rr.type === TYPE.ANY) {
          return { rcode: RCODE.FORMERR, reason: "cannot add type ANY" };
        }
        if (rr.type === TYPE.SOA) {
          // §3.4.2.2: an SOA replaces the zone's when its serial is larger (RFC 1982).
          const f = decodeSoaRdata(rr.rdata);
          if (!f) return { rcode: RCODE.FORMERR, reason: "malformed SOA RDATA" };
          if (owner !== zone) return { rcode: RCODE.REFUSED, reason: "SOA only at the apex" };
          soa = {
            zone,
            mname: canonicalName(f.mname),
            rname: canonicalName(f.rname),
            serial: f.serial,
            refresh: f.refresh,
            retry: f.retry,
            expire: f.expire,
            minimum: f.minimum,
          };
          entries.push({
            type: rr.type,
            change: { op: "delete_rrset", zone, name: owner, type: "SOA" },
          });
          continue;
        }
        const value = rdataToValue(rr.type, rr.rdata);
        if (value === null) {
          return ZONE_KEY_TYPES.has(rr.type)
            ? { rcode: RCODE.FORMERR, reason: `malformed ${typeName(rr.type)} RDATA` }
            : { rcode: RCODE.REFUSED, reason: `type ${typeName(rr.type)} is not writable` };
        }
        if (rr.type === TYPE.TXT) {
          if (utf8ByteLength(value) > cfg.DMP_MAX_VALUE_BYTES) {
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
        const change: RecordChange = {
          op: "add",
          zone,
          name: owner,
          type: typeName(rr.type),
          value,
          ttl,
        };
        // RFC 1035 §3.3.14: the character-strings are kept as sent (issue 11 item 4).
        if (rr.type === TYPE.TXT) change.txtSplit = txtSplitOf(rr.rdata);
        entries.push({ type: rr.type, change });
      } else if (rr.class === CLASS.NONE) {
        if (rr.ttl !== 0) return { rcode: RCODE.FORMERR, reason: "delete TTL must be 0" };
        if (rr.type === TYPE.ANY) {
          return { rcode: RCODE.FORMERR, reason: "class NONE with type ANY" };
        }
        if (rr.type === TYPE.SOA) {
          // §3.4.2.4: deleting the SOA is ignored (after the checks every change goes through).
          entries.push({
            type: rr.type,
            change: { op: "delete_rrset", zone, name: owner, type: "SOA" },
          });
          continue;
        }
        const value = rdataToValue(rr.type, rr.rdata);
        if (value === null) {
          return { rcode: RCODE.FORMERR, reason: `malformed ${typeName(rr.type)} RDATA` };
        }
        entries.push({
          type: rr.type,
          change: { op: "delete_value", zone, name: owner, type: typeName(rr.type), value },
        });
      } else if (rr.class === CLASS.ANY) {
        if (rr.ttl !== 0 || rr.rdata.length !== 0) {
          return { rcode: RCODE.FORMERR, reason: "delete RRset must be empty" };
        }
        entries.push({
          type: rr.type,
          change: {
            op: "delete_rrset",
            zone,
            name: owner,
            type: rr.type === TYPE.ANY ? "ANY" : typeName(rr.type),
          },
        });
      } else {
        return { rcode: RCODE.FORMERR, reason: `class ${rr.class} in update section` };
      }
    }

    // Authorization: all or nothing (brief §3.1 step 9).
    const write: UpdateWrite = { prerequisites: prereqs, changes: [] };
    if (verified) {
      const rec = deps.keyring.record(verified.keyName, now);
      if (!rec) return { rcode: RCODE.REFUSED, reason: "key no longer active" };
      const zoneWide = rec.allowedSuffixes.some((s) =>
        !s.includes("*") && canonicalName(s) === zone
      );
      for (const { type, change: c } of entries) {
        if (!zoneWide && type !== TYPE.TXT && !(c.op === "delete_rrset" && c.type === "ANY")) {
          return {
            rcode: RCODE.REFUSED,
            reason: `user keys write TXT only (${c.type} at ${c.name})`,
          };
        }
        if (zoneWide && !ZONE_KEY_TYPES.has(type) && type !== TYPE.ANY) {
          return { rcode: RCODE.REFUSED, reason: `type ${c.type} is not writable` };
        }
        const op = c.op === "add" ? "add" : "delete";
        if (!scopeAllows(rec.allowedSuffixes, c.name, op, c.type)) {
          return {
            rcode: RCODE.REFUSED,
            reason: `${c.type} at ${c.name} is outside the key's scope for ${op}`,
          };
        }
      }
      if (zoneWide) {
        // Issue 11 item 4: a zone-wide (operator) key writes ordinary zone data, which does not
        // expire; its writes count against no quota.
        write.writer = { key: rec.name, subject: rec.subject };
      } else {
        // DMP values live for their TTL (brief §1.6) and count against the writer's quotas.
        // ACME challenge values outlive their TTL: clients wait for propagation before asking
        // for validation (acme_scope.ts), then delete them.
        const acmeZones = rec.allowedSuffixes.map(acmeScopeZone).filter((z) => z !== undefined);
        for (const { change: c } of entries) {
          if (c.op !== "add") continue;
          c.lifetime = acmeZones.some((z) => isAcmeChallengeName(c.name, z))
            ? Math.max(c.ttl, ACME_CHALLENGE_LIFETIME)
            : c.ttl;
        }
        write.writer = { key: rec.name, subject: rec.subject };
        write.quotas = quotas;
      }
      write.usedMac = {
        mac: macHex,
        expiresAt: verified.timeSigned + verified.fudge,
      };
    } else {
      if (soa) return { rcode: RCODE.REFUSED, reason: "unsigned UPDATE may only add claims" };
      const refusal = await checkAnonymousClaims(entries.map((e) => e.change), zone, now);
      if (refusal) return refusal;
    }
    // SOA changes are ignored (§3.4.2.3/§3.4.2.4) or applied through `soa` below, never as rows.
    write.changes = entries.map((e) => e.change).filter((c) => c.type !== "SOA");
    write.soa = soa;

    // The cap on values per name (brief §3.1 step 8), the quotas and the prerequisites are
    // enforced inside the write transaction (`applyUpdateWrites` guards), which also holds when
    // two nodes race; a pre-read here would cost a round trip to the primary per message and
    // could still be raced. Unlike the reference, refreshing a value already present is allowed
    // at a full RRset (it adds nothing).
    return { rcode: RCODE.NOERROR, write };
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

/**
 * RFC 2136 §3.2: checks the form of the prerequisites and turns them into
 * guards for the write transaction. Returns an rcode when the section is
 * malformed (FORMERR, NOTZONE) or when the answer does not depend on the
 * store (the apex always holds an SOA, so it is always in use).
 */
function prerequisites(prereqs: ResourceRecord[], zone: string): Prerequisite[] | number {
  const out: Prerequisite[] = [];
  const valueSets = new Map<string, { name: string; type: string; values: Set<string> }>();
  for (const rr of prereqs) {
    const name = canonicalName(rr.name);
    if (rr.ttl !== 0) return RCODE.FORMERR;
    if (!isInZone(name, zone)) return RCODE.NOTZONE;
    const type = typeName(rr.type);
    const apexSoa = rr.type === TYPE.SOA && name === zone;
    if (rr.class === CLASS.ANY) {
      if (rr.rdata.length !== 0) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (name !== zone) out.push({ kind: "name_in_use", name });
      } else if (!apexSoa) out.push({ kind: "rrset_exists", name, type });
    } else if (rr.class === CLASS.NONE) {
      if (rr.rdata.length !== 0) return RCODE.FORMERR;
      if (rr.type === TYPE.ANY) {
        if (name === zone) return RCODE.YXDOMAIN;
        out.push({ kind: "name_not_in_use", name });
      } else if (apexSoa) return RCODE.YXRRSET;
      else out.push({ kind: "rrset_absent", name, type });
    } else if (rr.class === CLASS.IN) {
      const value = rdataToValue(rr.type, rr.rdata);
      if (value === null) return RCODE.FORMERR;
      const key = `${name}\n${type}`;
      const set = valueSets.get(key) ?? { name, type, values: new Set<string>() };
      set.values.add(value);
      valueSets.set(key, set);
    } else return RCODE.FORMERR;
  }
  for (const set of valueSets.values()) {
    out.push({ kind: "rrset_equals", name: set.name, type: set.type, values: [...set.values] });
  }
  return out;
}

function sign(response: Uint8Array, v: TsigVerified, now: number): Promise<Uint8Array> {
  return signResponse(response, { key: v.key, requestMac: v.requestMac, now });
}

function errText(e: unknown): string {
  return String((e as Error)?.message ?? e).slice(0, 300);
}
