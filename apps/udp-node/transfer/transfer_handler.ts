/**
 * Zone transfers and NOTIFY as the DNS service sees them (issue 16):
 * AXFR (RFC 5936) and IXFR (RFC 1995) requests to be answered as a stream of
 * TCP messages, or as one message over UDP; NOTIFY (RFC 1996) answered once.
 *
 * Order for a transfer request: decode (FORMERR) → TSIG verify (NOTAUTH with
 * BADKEY/BADSIG unsigned, BADTIME signed; RFC 8945 §5.3.2) → replayed MAC
 * (REFUSED) → one question of class IN naming a zone we serve (NOTAUTH
 * otherwise, RFC 5936 §2.2.1) → AXFR over UDP (REFUSED, RFC 5936 §4.2) →
 * the zone's transfer policy (REFUSED, never data) → a transfer slot
 * (SERVFAIL when every slot is busy, so the secondary retries) → the answer,
 * every message TSIG-signed when the request was (RFC 8945 §5.3.1).
 *
 * IXFR: a client whose serial is not older than ours gets our SOA alone
 * (RFC 1995 §2); a client at a serial this node recorded gets the condensed
 * differences since (`ixfr.ts`); any other gets the whole zone in AXFR form
 * (RFC 1995 §4). Over UDP, the differences when they fit in one datagram,
 * else our SOA alone so the client retries over TCP (RFC 1995 §2).
 *
 * A zone this node signs is transferred signed (`signed_transfer.ts`): the
 * whole zone with its DNSKEY, RRSIGs and NSEC chain, never differences.
 *
 * @module
 */

import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import {
  readTransferPolicy,
  transferAllowed,
} from "../../../packages/core/store/transfer_policy.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { ReplayCache } from "../../../packages/core/tsig/replay_cache.ts";
import {
  buildTsigErrorResponse,
  createTcpSigner,
  signResponse,
} from "../../../packages/core/tsig/sign.ts";
import type { Keyring } from "../../../packages/core/tsig/keyring.ts";
import { type TsigVerified, verifyTsig } from "../../../packages/core/tsig/verify.ts";
import { CLASS, LIMIT, OPCODE, RCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import {
  headerOnlyResponse,
  questionEchoResponse,
} from "../../../packages/core/wire/error_response.ts";
import { decodeMessage, type Message } from "../../../packages/core/wire/message.ts";
import { canonicalName, skipName } from "../../../packages/core/wire/name.ts";
import { decodeSoaRdata } from "../../../packages/core/wire/rdata.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import type { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import {
  axfrMessages,
  soaOnlyMessage,
  type StreamHeader,
  type XfrRecord,
  type ZoneSnapshot,
} from "./axfr.ts";
import { ixfrMessages, ZoneHistory } from "./ixfr.ts";
import { signedTransferRecords } from "./signed_transfer.ts";

/** Dependencies of {@linkcode TransferHandler}. */
export interface TransferDeps {
  index: ZoneIndex;
  /** where policies are read (the node's local database or replica) */
  client: SqlClient;
  keyring: Keyring;
  logger: Logger;
  metrics: MetricsRegistry;
  /** DMP_DNS_TTL */
  maxTtl: number;
  /** DMP_XFR_MAX_CONCURRENT: transfers streamed at once */
  maxConcurrent: number;
  /** DMP_XFR_IXFR_VERSIONS: differences kept per zone for IXFR */
  ixfrVersions: number;
  /** hears of each fresh (not replayed) successful TSIG verification: the key's last use */
  keyUsed?: (keyName: string, now: number) => void;
  /** messages per AXFR response; tests lower it to force several messages */
  messageBytes?: number;
  /** seconds clock for the Time Signed of later stream messages; injected by tests */
  clock?: () => number;
  /** signers of the zones this node signs (their transfers carry the signed zone) */
  signers?: ReadonlyMap<string, ZoneSigner>;
}

/** RRs kept across one zone's IXFR differences. */
const IXFR_MAX_RECORDS = 200_000;

/** Where a request came from. */
export interface TransferContext {
  tcp: boolean;
  remoteAddress: string;
  /** seconds */
  now: number;
}

/** One answer plus the outcome label of `dmp_dns_queries_total`. */
export interface TransferAnswer {
  bytes: Uint8Array | null;
  outcome: string;
}

/** Answers AXFR, IXFR and NOTIFY. */
export class TransferHandler {
  #d: TransferDeps;
  #replay = new ReplayCache();
  #active = 0;
  #history: ZoneHistory;
  #clock: () => number;
  /** a recorded version's signed content, made once per version and signer */
  #signed = new WeakMap<ZoneSnapshot, { signer: ZoneSigner; records: Promise<XfrRecord[]> }>();

  constructor(deps: TransferDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? (() => Date.now() / 1000);
    this.#history = new ZoneHistory({
      maxVersions: deps.ixfrVersions,
      maxRecords: IXFR_MAX_RECORDS,
      maxTtl: deps.maxTtl,
    });
  }

  /**
   * Time Signed of a later message of a stream: the clock, so a transfer that
   * outlasts the fudge still verifies (RFC 8945 §5.3.1 signs each message
   * with its own time); never before the request's time.
   */
  #now(start: number): number {
    return Math.max(start, Math.floor(this.#clock()));
  }

  /** Transfers streamed right now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Whether this handler answers the request: opcode NOTIFY, or a QUERY
   * whose single question asks for AXFR or IXFR. Reads the header and the
   * question in place; never throws.
   */
  claims(request: Uint8Array): boolean {
    if (request.length < LIMIT.HEADER || (request[2] & 0x80) !== 0) return false;
    const opcode = (request[2] >> 3) & 0xf;
    if (opcode === OPCODE.NOTIFY) return true;
    if (opcode !== OPCODE.QUERY || request[4] !== 0 || request[5] !== 1) return false;
    const end = skipName(request, LIMIT.HEADER);
    if (end < 0 || end + 4 > request.length) return false;
    const qtype = (request[end] << 8) | request[end + 1];
    return qtype === TYPE.AXFR || qtype === TYPE.IXFR;
  }

  /** Answers with one message (UDP, DoH, and NOTIFY on any transport). */
  async answer(request: Uint8Array, ctx: TransferContext): Promise<TransferAnswer> {
    const out: TransferAnswer[] = [];
    for await (const a of this.#respond(request, { ...ctx, tcp: false })) out.push(a);
    return out[0] ?? { bytes: null, outcome: "malformed" };
  }

  /**
   * Answers over TCP: the messages of the response in order (one for
   * errors, NOTIFY and a current IXFR client; several for a zone).
   */
  async *stream(request: Uint8Array, ctx: TransferContext): AsyncGenerator<TransferAnswer> {
    yield* this.#respond(request, { ...ctx, tcp: true });
  }

  async *#respond(request: Uint8Array, ctx: TransferContext): AsyncGenerator<TransferAnswer> {
    const now = Math.floor(ctx.now);
    const decoded = decodeMessage(request);
    if (!decoded.ok) {
      if (decoded.id === undefined) return;
      yield {
        bytes: headerOnlyResponse(decoded.id, decoded.flags ?? 0, RCODE.FORMERR),
        outcome: "formerr",
      };
      return;
    }
    const msg = decoded.message;
    let verified: TsigVerified | undefined;
    if (msg.tsigOffset !== undefined) {
      const v = await verifyTsig(request, msg.tsigOffset, this.#d.keyring, { now });
      if (v.kind === "formerr") {
        yield { bytes: questionEchoResponse(msg, RCODE.FORMERR), outcome: "formerr" };
        return;
      }
      if (v.kind !== "verified") {
        this.#d.logger.info(`transfer TSIG ${v.kind}`, { key: v.keyName, from: ctx.remoteAddress });
        const error = v.kind === "badkey"
          ? RCODE.BADKEY
          : v.kind === "badsig"
          ? RCODE.BADSIG
          : RCODE.BADTIME;
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
        yield { bytes, outcome: "tsig_failed" };
        return;
      }
      if (!this.#replay.checkAndRemember(v.keyName, v.requestMac, v.timeSigned, now, v.fudge)) {
        this.#d.logger.warn("replayed TSIG transfer request refused", {
          key: v.keyName,
          from: ctx.remoteAddress,
        });
        yield {
          bytes: await sign(questionEchoResponse(msg, RCODE.REFUSED), v, now),
          outcome: "replay_refused",
        };
        return;
      }
      verified = v;
      this.#d.keyUsed?.(v.keyName, now);
    }
    const reply = async (rcode: number, outcome: string): Promise<TransferAnswer> => {
      const bytes = questionEchoResponse(msg, rcode, rcode === RCODE.NOERROR);
      return { bytes: verified ? await sign(bytes, verified, now) : bytes, outcome };
    };
    const q = msg.questions[0];
    if (msg.questions.length !== 1) {
      yield await reply(RCODE.FORMERR, "formerr");
      return;
    }
    const zoneName = canonicalName(q.name);
    if (msg.opcode === OPCODE.NOTIFY) {
      // RFC 1996 §3.7, §4.7: NOTIFY names a zone by its SOA; we are its primary, so there is
      // nothing to refresh: acknowledge a zone we serve, refuse any other.
      if (q.type !== TYPE.SOA) {
        yield await reply(RCODE.FORMERR, "formerr");
        return;
      }
      const ours = this.#d.index.zone(zoneName) !== undefined;
      yield await reply(ours ? RCODE.NOERROR : RCODE.REFUSED, ours ? "noerror" : "refused");
      return;
    }
    if (q.class !== CLASS.IN) {
      yield await reply(RCODE.REFUSED, "refused");
      return;
    }
    if (!this.#d.index.zone(zoneName)) {
      yield await reply(RCODE.NOTAUTH, "notauth");
      return;
    }
    const axfr = q.type === TYPE.AXFR;
    if (axfr && !ctx.tcp) {
      yield await reply(RCODE.REFUSED, "refused");
      return;
    }
    let clientSerial: number | undefined;
    if (!axfr) {
      // RFC 1995 §3: the authority section carries the client's SOA.
      const soa = msg.authorities.find((rr) => rr.type === TYPE.SOA);
      const fields = soa ? decodeSoaRdata(soa.rdata) : null;
      if (!fields || canonicalName(soa!.name) !== zoneName) {
        yield await reply(RCODE.FORMERR, "formerr");
        return;
      }
      clientSerial = fields.serial;
    }
    const policy = await readTransferPolicy(this.#d.client, zoneName);
    if (!transferAllowed(policy, { keyName: verified?.keyName, address: ctx.remoteAddress })) {
      this.#d.logger.info("zone transfer refused by policy", {
        zone: zoneName,
        key: verified?.keyName ?? "-",
        from: ctx.remoteAddress,
      });
      yield await reply(RCODE.REFUSED, "refused");
      return;
    }
    // The snapshot is taken here, in one turn of the event loop (see axfr.ts).
    const zone = this.#d.index.zone(zoneName);
    if (!zone) {
      yield await reply(RCODE.NOTAUTH, "notauth");
      return;
    }
    this.#history.forgetMissing((z) => this.#d.index.zone(z) !== undefined);
    const snap = this.#history.observe(zone, now);
    const head: StreamHeader = {
      id: msg.id,
      flags: msg.flags,
      question: request.subarray(LIMIT.HEADER, questionEnd(request)),
    };
    // A signed zone goes out whole and signed: no differences (they would lack the NSEC and
    // RRSIG changes), so an older IXFR client gets the zone (RFC 1995 §4).
    const signer = this.#d.signers?.get(zoneName);
    const since = (serial: number) => signer ? undefined : this.#history.since(zoneName, serial);
    const signOne = async (bytes: Uint8Array): Promise<TransferAnswer> => ({
      bytes: verified ? await sign(bytes, verified, now) : bytes,
      outcome: "noerror",
    });
    if (clientSerial !== undefined) {
      // RFC 1995 §2: a client not older than us gets our SOA alone.
      if (!serialOlder(clientSerial, snap.serial)) {
        this.#d.metrics.inc("dmp_zone_transfers_total", { kind: "soa" });
        yield await signOne(soaOnlyMessage(snap, head));
        return;
      }
      if (!ctx.tcp) {
        const changes = since(clientSerial);
        // RFC 1995 §2: over UDP the differences if they fit in one datagram, else our SOA
        // alone, and the client retries over TCP.
        const limit = udpLimit(msg) - (verified ? TSIG_ROOM : 0);
        const small = changes && changes.deleted.length + changes.added.length <= UDP_IXFR_RRS;
        const one = small ? [...ixfrMessages(snap, changes, head, limit)] : [];
        const fits = one.length === 1 && one[0].length <= limit;
        this.#d.metrics.inc("dmp_zone_transfers_total", { kind: fits ? "ixfr" : "soa" });
        yield await signOne(fits ? one[0] : soaOnlyMessage(snap, head));
        return;
      }
    }
    if (this.#active >= this.#d.maxConcurrent) {
      this.#d.logger.warn("zone transfer deferred: every transfer slot is busy", {
        zone: zoneName,
        from: ctx.remoteAddress,
      });
      yield await reply(RCODE.SERVFAIL, "servfail");
      return;
    }
    if (clientSerial !== undefined) {
      const changes = since(clientSerial);
      if (changes) {
        yield* this.#send(
          ixfrMessages(snap, changes, head, this.#d.messageBytes),
          verified,
          now,
          `IXFR of ${zoneName} from serial ${clientSerial} sent`,
          { serial: snap.serial, deleted: changes.deleted.length, added: changes.added.length },
          ctx,
          "ixfr",
        );
        return;
      }
    }
    let records: XfrRecord[] | undefined;
    if (signer) {
      // Signing a version holds a transfer slot: the cap bounds the CPU transfers take too.
      this.#active++;
      try {
        records = await this.#signedRecords(snap, signer);
      } catch (e) {
        this.#d.logger.error("signing a zone for transfer failed", {
          zone: zoneName,
          error: e instanceof Error ? e.message : String(e),
        });
        yield await reply(RCODE.SERVFAIL, "servfail");
        return;
      } finally {
        this.#active--;
      }
    }
    yield* this.#send(
      axfrMessages(snap, head, {
        maxTtl: this.#d.maxTtl,
        messageBytes: this.#d.messageBytes,
        records,
      }),
      verified,
      now,
      `${axfr ? "AXFR" : "IXFR (full zone)"} of ${zoneName} sent`,
      records ? { serial: snap.serial, signed: true } : { serial: snap.serial },
      ctx,
      axfr ? "axfr" : "ixfr_full",
    );
  }

  /** The signed content of a recorded version, signed on its first transfer (`signed_transfer.ts`). */
  #signedRecords(snap: ZoneSnapshot, signer: ZoneSigner): Promise<XfrRecord[]> {
    const hit = this.#signed.get(snap);
    if (hit && hit.signer === signer) return hit.records;
    const records = signedTransferRecords(snap, signer, this.#d.maxTtl);
    this.#signed.set(snap, { signer, records });
    records.catch(() => {
      if (this.#signed.get(snap)?.records === records) this.#signed.delete(snap);
    });
    return records;
  }

  /** Streams a transfer's messages, each signed when the request was, within a slot. */
  async *#send(
    messages: Iterable<Uint8Array>,
    verified: TsigVerified | undefined,
    now: number,
    what: string,
    fields: Record<string, unknown>,
    ctx: TransferContext,
    kind: string,
  ): AsyncGenerator<TransferAnswer> {
    this.#active++;
    // Counted when it starts: a client that closes after the first message (a probe, or one
    // that got what it needed) aborts the generator, and the transfer still happened.
    this.#d.metrics.inc("dmp_zone_transfers_total", { kind });
    try {
      const signer = verified
        ? createTcpSigner({ key: verified.key, requestMac: verified.requestMac })
        : undefined;
      let sent = 0;
      let pending: Uint8Array | undefined;
      // One message of look-ahead: the signer must know which message is the last (§5.3.1).
      for (const m of messages) {
        if (pending) {
          yield {
            bytes: signer ? await signer.sign(pending, this.#now(now), false) : pending,
            outcome: "",
          };
          sent++;
        }
        pending = m;
      }
      if (pending) {
        yield {
          bytes: signer ? await signer.sign(pending, this.#now(now), true) : pending,
          outcome: "noerror",
        };
        sent++;
      }
      this.#d.logger.info(what, {
        ...fields,
        messages: sent,
        key: verified?.keyName ?? "-",
        to: ctx.remoteAddress,
      });
    } finally {
      this.#active--;
    }
  }
}

/** Most changed RRs tried in one UDP IXFR answer (more never fit in 1232 bytes). */
const UDP_IXFR_RRS = 64;

/** Bytes kept free in a signed UDP IXFR answer for the TSIG RR (hmac-sha512 with a long key name fits). */
const TSIG_ROOM = 200;

/** The UDP size the client accepts: its EDNS payload (RFC 6891 §6.2.5, at least 512), else 512. */
function udpLimit(msg: Message): number {
  const opt = msg.additionals.find((rr) => rr.type === TYPE.OPT);
  return Math.min(LIMIT.EDNS_PAYLOAD, Math.max(LIMIT.UDP_CLASSIC, opt?.class ?? 0));
}

/** RFC 1982 §3.2: whether serial `a` is older than `b`. */
function serialOlder(a: number, b: number): boolean {
  return a !== b && ((b - a) >>> 0) < 0x80000000;
}

function questionEnd(request: Uint8Array): number {
  return skipName(request, LIMIT.HEADER) + 4;
}

function sign(response: Uint8Array, v: TsigVerified, now: number): Promise<Uint8Array> {
  return signResponse(response, { key: v.key, requestMac: v.requestMac, now });
}
