/**
 * Composition root of the udp-node: config → store → zone index → DNS
 * service → transports → ops HTTP → background loops. {@linkcode startNode}
 * returns a handle whose `stop()` shuts everything down cleanly (SIGTERM).
 *
 * @module
 */

import type { Config } from "../../packages/core/config/env.ts";
import { servedZone } from "../../packages/core/config/env.ts";
import { operatorToken } from "../../packages/core/config/env.ts";
import type { Logger } from "../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../packages/core/metrics/catalog.ts";
import { migrate, SchemaTooNewError } from "../../packages/core/store/migrate.ts";
import {
  countLiveRecords,
  pruneJournal,
  sweepExpiredRecords,
} from "../../packages/core/store/records.ts";
import { pruneUsedTsigMacs } from "../../packages/core/store/update_write.ts";
import { readZone, upsertZone } from "../../packages/core/store/zones.ts";
import { ZoneIndex } from "../../packages/core/zone/zone_index.ts";
import { redactDatabaseUrl } from "./database_url.ts";
import { StorageClient, type StorageRestart } from "./storage/storage_client.ts";
import { DnsService } from "./dns_service.ts";
import type { OpsDeps, serveOps } from "./ops_http.ts";
import { listenDns } from "./transports/listen_dns.ts";
import { listenDot } from "./transports/dot.ts";
import { CertificatePair } from "./transports/tls_certificate.ts";
import { bindOrFail } from "./transports/listen_error.ts";
import { applyIndexPatches, type IndexPatch } from "./zone_index/index_patch.ts";
import { IndexPatchQueue } from "./zone_index/index_patch_queue.ts";
import { ZoneSigners } from "./zone_index/zone_signers.ts";
import { answerSigned, answerSignedFromCache } from "./pipeline/signed_answer.ts";
import { createUpdateHandler } from "./update/handle_update.ts";
import { QueryFirstLane } from "./pipeline/query_first_lane.ts";
import { NodeKeyring } from "./update/node_keyring.ts";
import { HeartbeatWorker } from "./heartbeat/heartbeat_worker.ts";
import { clientAddressOf } from "../../packages/core/http/client_address.ts";
import { loadSecretBox } from "./secret_key_file.ts";
import { TransferHandler } from "./transfer/transfer_handler.ts";
import { ResignSerials } from "./transfer/resign_serials.ts";
import { NotifySender } from "./transfer/notify.ts";
import { CHeapTrimmer, loadMallocTrim, patchesFreeMuch } from "./c_heap_trim.ts";
import { loadFullGc } from "./full_gc.ts";
import { syncNewReplica } from "./new_replica_sync.ts";
import { withTimeout } from "./with_timeout.ts";
import { ProgressMeter, type ProgressSink } from "./progress_meter.ts";
import { NodeStatsWriter } from "./storage/node_stats_writer.ts";
import { SyncTrigger } from "./sync_signal/sync_trigger.ts";
import { JournalHeadSignal } from "./sync_signal/journal_head_signal.ts";
import { QueryLogRecorder } from "./query_log/query_log_recorder.ts";
import { QueryLogFlusher } from "./query_log/query_log_flusher.ts";
import { TsigLastUsed } from "./update/tsig_last_used.ts";
import { nodeName } from "./node_name.ts";
import { canonicalName } from "../../packages/core/wire/name.ts";

/**
 * A replica that writes syncs after this many of its own group commits, before
 * its interval is up. A sync pulls every frame written since the last one, and
 * the primary's writes wait while it streams them: at 800 UPDATEs/s an
 * UPDATE's p99 followed the interval (104 ms at 0.5 s, 612 ms at 5 s) and was
 * 30–46 ms syncing every 8 commits, for 6–10% more CPU (`bench/README.md`). A
 * node that writes little syncs on its interval as before.
 */
const SYNC_AFTER_OWN_COMMITS = 8;

/** A running node. */
export interface NodeHandle {
  dnsPort: number;
  httpPort: number;
  index: ZoneIndex;
  metrics: MetricsRegistry;
  stop(): Promise<void>;
}

/** Options of {@linkcode startNode} that are not configuration. */
export interface StartOptions {
  /** where the loading progress line goes (a terminal), and whether to keep it quiet */
  progress?: { sink: ProgressSink; quiet?: boolean; now?: () => number };
  /** tests only: the storage client once open (to inject a worker fault) */
  onStorage?: (storage: StorageClient) => void;
}

/** How long a new replica waits for its first sync, all attempts together. */
const NEW_REPLICA_SYNC_DEADLINE_MS = 10_000;
/** The pause before a failed first sync is tried again. */
const NEW_REPLICA_SYNC_RETRY_MS = 200;

/** Starts a udp-node from a parsed config. */
export async function startNode(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<NodeHandle> {
  // Before anything opens: a DoT pair that cannot load stops start-up with the reason.
  const dotCertificate = await loadDotCertificate(config, logger.child("dot"));
  // Every libSQL call runs in the storage worker; `client` and `db.writer` are its message
  // interface, so no statement, lock wait or replica sync ever runs on the thread answering DNS.
  // A worker that dies (an uncaught error, out of memory) is restarted with backoff while the
  // DNS thread answers from memory; startOn fills in where the index is and how to resync.
  const restart: StorageRestart = {
    position: () => ({ seq: 0, zones: [] }),
    onRestarted: () => {},
    onRestartFailed: (e, retryMs) =>
      logger.warn("storage worker restart failed; trying again", {
        error: errText(e),
        retry_in_ms: retryMs,
      }),
  };
  const db = await StorageClient.open(config, {
    onCrash: (e) =>
      logger.error(
        "storage worker stopped: serving the last data from memory, no writes or syncs until " +
          "it is restarted",
        { error: errText(e) },
      ),
    restart,
  });
  options.onStorage?.(db);
  try {
    return await startOn(db, dotCertificate, config, logger, options, restart);
  } catch (e) {
    dotCertificate?.stop();
    await db.close().catch(() => {});
    throw e;
  }
}

async function startOn(
  db: StorageClient,
  dotCertificate: CertificatePair | undefined,
  config: Config,
  logger: Logger,
  options: StartOptions,
  restart: StorageRestart,
): Promise<NodeHandle> {
  const client = db.reader;
  const metrics = new MetricsRegistry();
  const index = new ZoneIndex();
  // Every patch after the first load goes through one queue, a slice of names per loop turn.
  const indexPatches = new IndexPatchQueue(index);
  const heapTrim = loadMallocTrim();
  const heapTrimmer = new CHeapTrimmer(
    heapTrim.trim,
    (ms, released) => logger.debug("C heap trimmed", { ms: Math.round(ms), released }),
  );
  const box = await loadSecretBox(config);
  const keyring = new NodeKeyring(client, box);
  const signers = new ZoneSigners(config.DMP_DNSSEC_DNSKEY_TTL);
  const reloadKeys = async () => {
    const unreadable = await keyring.reload(Date.now() / 1000);
    if (unreadable > 0) {
      logger.warn(`${unreadable} TSIG keys cannot be opened: is DMP_TSIG_SECRET_KEY the edge's?`);
    }
    if (!box) return;
    const sealed = await signers.reload(client, box);
    if (sealed > 0) {
      logger.warn(`${sealed} DNSSEC keys cannot be opened: is DMP_TSIG_SECRET_KEY the edge's?`);
    }
  };
  // The journal is read in the storage worker; its patches are applied here, between packets.
  const follower = {
    seq: 0,
    async apply(read: Promise<{ patches: IndexPatch[]; seq: number }>): Promise<void> {
      const { patches, seq } = await read;
      const keysChanged = await indexPatches.apply(patches);
      if (patchesFreeMuch(patches)) heapTrimmer.request();
      this.seq = seq;
      if (keysChanged) await reloadKeys();
    },
    catchUp(now: number, primary = false): Promise<void> {
      return this.apply(db.catchUp(now, primary));
    },
  };
  const now = () => Date.now() / 1000;

  if (db.kind === "replica" && !db.replicaExisted) {
    // A new replica has nothing to serve: wait (bounded, retried) for the first sync. An
    // existing replica file is served at once (after a crash, before the primary answers);
    // the sync loop catches up in the background.
    try {
      await syncNewReplica(() => db.sync(), {
        deadlineMs: NEW_REPLICA_SYNC_DEADLINE_MS,
        retryMs: NEW_REPLICA_SYNC_RETRY_MS,
        onRetry: (e, attempt) =>
          logger.info("first replica sync failed; retrying", { attempt, error: errText(e) }),
      });
    } catch (e) {
      logger.warn("initial replica sync failed; serving an empty replica", { error: errText(e) });
    }
  }
  try {
    await migrate(client);
  } catch (e) {
    if (e instanceof SchemaTooNewError) throw e;
    if (db.kind !== "replica") throw e;
    logger.warn("could not migrate through the replica; continuing", { error: errText(e) });
  }
  await seedServedZone(config, client, logger);
  follower.seq = await loadIndex(db, index, now(), options.progress);
  // Transfers and NOTIFY verify TSIG too, so the keyring is loaded whenever keys can be opened.
  if (box && !config.DMP_DNS_UPDATE_ENABLED) await reloadKeys();
  if (config.DMP_DNS_UPDATE_ENABLED) {
    if (!box) {
      logger.warn(
        "DMP_TSIG_SECRET_KEY is not set: no TSIG key can be used (only anonymous claims)",
      );
    }
    await reloadKeys();
  }

  // DMP_QUERY_LOG_SAMPLE=0 turns the query log off: no recorder, nothing on the hot path.
  const queryLog = config.DMP_QUERY_LOG_SAMPLE === 0 ? undefined : new QueryLogRecorder({
    every: config.DMP_QUERY_LOG_SAMPLE,
    maxPerSecond: config.DMP_QUERY_LOG_MAX_PER_SECOND,
    capacity: config.DMP_QUERY_LOG_ROWS,
  });
  const lastUsed = new TsigLastUsed();
  const keyUsed = (name: string, at: number) => lastUsed.note(canonicalName(name), at);
  // Wakes the sync loop (below) before its interval: a change signal, a restarted storage
  // worker, or this node's own writes adding up (SYNC_AFTER_OWN_COMMITS).
  const trigger = new SyncTrigger();
  let ownCommits = 0;
  // UPDATEs and their answers take turns between the loop's socket polls (issue 15).
  const lane = new QueryFirstLane();
  const service = new DnsService({
    lane,
    queryLog,
    index,
    metrics,
    logger: logger.child("dns"),
    query: {
      maxTtl: config.DMP_DNS_TTL,
      chaosVersion: config.DMP_DNS_CHAOS_VERSION,
      chaosIdentity: config.DMP_DNS_CHAOS_IDENTITY,
      nsid: config.DMP_DNS_NSID ? new TextEncoder().encode(config.DMP_DNS_NSID) : undefined,
      signedZones: signers.zones,
    },
    rate: config.DMP_DNS_RATE,
    burst: config.DMP_DNS_BURST,
    maxConcurrency: config.DMP_DNS_MAX_CONCURRENCY,
    rrl: {
      rate: config.DMP_DNS_RRL_RATE,
      slip: config.DMP_DNS_RRL_SLIP,
      slots: config.DMP_DNS_RRL_TABLE_SIZE,
      ipv4PrefixBits: config.DMP_DNS_RRL_IPV4_PREFIX,
      ipv6PrefixBits: config.DMP_DNS_RRL_IPV6_PREFIX,
    },
  });
  service.setAsyncHandler(
    createUpdateHandler({
      config,
      client,
      index,
      indexPatches,
      followJournal: async (at) => {
        await follower.catchUp(at, true);
        if (db.kind === "replica" && ++ownCommits >= SYNC_AFTER_OWN_COMMITS) {
          trigger.fire("own_writes");
        }
        return follower.seq;
      },
      keyring,
      logger: logger.child("update"),
      metrics,
      writer: db.writer,
      keyUsed,
      lane,
    }),
  );
  const signedSettings = {
    maxTtl: config.DMP_DNS_TTL,
    nsid: config.DMP_DNS_NSID ? new TextEncoder().encode(config.DMP_DNS_NSID) : undefined,
  };
  service.setSignedHandler(
    async (request, ctx) =>
      await answerSigned(request, index, signers.signers, signedSettings, ctx) ??
        { bytes: null, outcome: "malformed" },
    (request, ctx) => answerSignedFromCache(request, index, signers.signers, signedSettings, ctx),
  );
  service.setTransferHandler(
    new TransferHandler({
      index,
      client,
      keyring,
      logger: logger.child("xfr"),
      metrics,
      maxTtl: config.DMP_DNS_TTL,
      maxConcurrent: config.DMP_XFR_MAX_CONCURRENT,
      ixfrVersions: config.DMP_XFR_IXFR_VERSIONS,
      keyUsed,
      signers: signers.signers,
    }),
  );
  const resigner = new ResignSerials({
    client,
    writer: db.writer,
    signedZones: signers.zones,
    keyStep: (zone, at) => signers.keyStep(zone, at),
    logger: logger.child("resign"),
  });
  const notifier = new NotifySender({
    index,
    client,
    writer: db.writer,
    keyring,
    logger: logger.child("notify"),
    metrics,
  });
  // Every listener binds before any background loop starts; a bind failure closes what is
  // open and is fatal (ListenError names the port and its variable), never a half-up node.
  const listeners: { close(): Promise<void> }[] = [];
  const streamLimits = {
    idleTimeoutMs: config.DMP_DNS_TCP_IDLE_TIMEOUT * 1000,
    messageTimeoutMs: config.DMP_DNS_TCP_MESSAGE_TIMEOUT * 1000,
    maxConnections: config.DMP_DNS_MAX_TCP_CONNECTIONS,
    maxPerAddress: config.DMP_DNS_MAX_TCP_PER_ADDRESS,
  };
  let dns: Awaited<ReturnType<typeof listenDns>>;
  let dot: Awaited<ReturnType<typeof listenDot>> | undefined;
  let ops: Awaited<ReturnType<typeof serveOps>> | undefined;
  try {
    // UDP then TCP on the same port; each bind failure is a ListenError naming DMP_DNS_PORT.
    dns = await listenDns(
      service,
      config.DMP_DNS_HOST,
      config.DMP_DNS_PORT,
      streamLimits,
      config.DMP_DNS_UDP_IO,
    );
    listeners.push(dns.udp, dns.tcp);
    // DoT has its own connection table with the same limits (a TLS client does not take TCP slots).
    if (dotCertificate) {
      dot = await bindOrFail(
        "DNS over TLS",
        "DMP_DOT_PORT",
        config.DMP_DNS_HOST,
        config.DMP_DOT_PORT,
        listenDot(
          service,
          config.DMP_DNS_HOST,
          config.DMP_DOT_PORT,
          streamLimits,
          dotCertificate,
          logger.child("dot"),
        ),
      );
      listeners.push(dot);
    }
    // DMP_NODE_HTTP_PORT=0 turns the ops listener (health, metrics, DoH) off.
    ops = config.DMP_NODE_HTTP_PORT === 0
      ? undefined
      : await serveOpsListener(config, client, metrics, service);
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close().catch(() => {})));
    await notifier.stop();
    // startNode closes the storage worker and stops the DoT pair.
    throw e;
  }
  const { udp, tcp, runtime } = dns;
  if (udp.fallbackReason) {
    logger.warn(`UDP through node:dgram, slower than batched I/O: ${udp.fallbackReason}`);
  }
  // Answering: now the worker that loaded the zones makes way for a fresh one (its heap grew
  // with the load and V8 keeps it). A failure is the onCrash path: storage fails, DNS goes on.
  // Once it is gone, what it allocated is free but still resident: give it back.
  // The load's dead objects may sit in old space until a major GC that query load never
  // brings (full_gc.ts): collect them once, then give the C heap back.
  const fullGc = loadFullGc();
  db.renewWorker().then(() => {
    logger.debug("loading storage worker replaced");
    if (fullGc.gc) {
      const t0 = performance.now();
      fullGc.gc();
      logger.debug("full GC after the load", { ms: Math.round(performance.now() - t0) });
    }
    heapTrimmer.request();
  }, () => {});
  if (heapTrim.loadError) logger.debug(heapTrim.loadError);
  if (fullGc.loadError) logger.debug(fullGc.loadError);
  if (dotCertificate) {
    metrics.gauge("dmp_dot_certificate_expiry_timestamp_seconds", () => dotCertificate.notAfter);
    dotCertificate.onReload((result) =>
      metrics.inc("dmp_dot_certificate_reloads_total", { result })
    );
    dotCertificate.watch();
  }
  metrics.gauge("dmp_zone_index_names", () => index.nameCount());
  metrics.gauge("dmp_journal_seq", () => follower.seq);
  metrics.gauge("dmp_records", () => index.liveRecordCount(Date.now() / 1000));
  if (!operatorToken(config)) logger.warn("no operator token set: /metrics is open");
  const afterWrite = async () => {
    if (db.kind === "replica") await db.sync();
    await follower.catchUp(Date.now() / 1000);
  };
  const heartbeat = await HeartbeatWorker.create({
    config,
    client: db.writer,
    index,
    logger: logger.child("heartbeat"),
    afterWrite,
  });
  heartbeat?.start();

  // The overview's stats row (DMP_NODE_STATS_INTERVAL=0: none). `lastSyncAt` is set by the
  // sync loop below after each successful tick.
  let lastSyncAt: number | null = null;
  const stats = config.DMP_NODE_STATS_INTERVAL === 0 ? undefined : new NodeStatsWriter({
    writer: db.writer,
    metrics,
    logger: logger.child("stats"),
    node: nodeName(config, udp.port),
    version: config.DMP_HEARTBEAT_VERSION,
    intervalSeconds: config.DMP_NODE_STATS_INTERVAL,
    journalSeq: () => follower.seq,
    lastSyncAt: () => lastSyncAt,
  });
  stats?.start();

  // Sync loop: pull the replica, then apply the journal. Bounded by stop(). The change
  // signal (DMP_SYNC_SIGNAL_URL) cuts the wait short when the primary's journal moves.
  let stopping = false;
  const syncEveryMs = config.DMP_DB_SYNC_INTERVAL * 1000;
  restart.position = () => ({ seq: follower.seq, zones: index.zoneNames() });
  restart.onRestarted = () => {
    logger.info("storage worker restarted; resyncing from the journal", { seq: follower.seq });
    metrics.inc("dmp_storage_worker_restarts_total");
    heapTrimmer.request();
    trigger.fire();
  };
  const signal = config.DMP_SYNC_SIGNAL_URL
    ? new JournalHeadSignal({
      url: config.DMP_SYNC_SIGNAL_URL,
      token: config.DMP_SYNC_SIGNAL_TOKEN ?? operatorToken(config),
      appliedSeq: () => follower.seq,
      onChange: () => trigger.fire(),
      logger: logger.child("sync-signal"),
      metrics,
    })
    : undefined;
  signal?.start();
  const syncLoop = (async () => {
    while (!stopping) {
      const woken = await trigger.wait(syncEveryMs);
      const bySignal = woken === "signal";
      if (stopping) break;
      // A dead storage worker was logged once; its restart fires the trigger when it is back.
      if (!db.alive) continue;
      try {
        // Where a write's way to this node's answers goes (bench/edge_write_visibility, DEBUG):
        // signal fired → tick start → replica sync returned → index patches applied.
        const t0 = Date.now();
        const seq0 = follower.seq;
        if (bySignal && db.kind === "replica") {
          // The primary moved: read the change from it at once, not after the replica's sync
          // (a pull of WAL frames, the slow part of a write's way here). The replica's own
          // catch-up below goes on from there; a failure here leaves it to that catch-up.
          try {
            await follower.catchUp(now(), true);
          } catch (e) {
            logger.debug("reading the change from the primary failed", { error: errText(e) });
          }
          if (follower.seq !== seq0) {
            logger.debug("sync tick applied", {
              seq: follower.seq,
              by: "signal",
              from: "primary",
              fired_at: trigger.firedAt,
              started_at: t0,
              synced_at: t0,
              applied_at: Date.now(),
            });
          }
        }
        const seq1 = follower.seq;
        ownCommits = 0;
        if (db.kind === "replica") await db.sync();
        const t1 = Date.now();
        await follower.catchUp(now());
        if (follower.seq !== seq1) {
          logger.debug("sync tick applied", {
            seq: follower.seq,
            by: woken,
            fired_at: woken === "poll" ? undefined : trigger.firedAt,
            started_at: t0,
            synced_at: t1,
            applied_at: Date.now(),
          });
        }
        // Expiry of keys is time-driven, not journaled: re-read the keyring every minute.
        if (box && now() - keyring.loadedAt > 60) await reloadKeys();
        metrics.inc("dmp_replica_syncs_total", { result: "ok" });
        lastSyncAt = now();
        try {
          await notifier.tick(now());
          await resigner.tick(now(), notifier.holdsLease);
        } catch (e) {
          logger.warn("NOTIFY lease, policy read or re-sign failed; retrying next tick", {
            error: errText(e),
          });
        }
      } catch (e) {
        metrics.inc("dmp_replica_syncs_total", { result: "error" });
        logger.warn("sync failed; serving the last good data", { error: errText(e) });
      }
    }
  })();
  // The sweeps write: to the primary, as UPDATEs do (a replica's own client would hand each
  // write to libSQL's synchronous write forwarding).
  const cleanupTimer = setInterval(async () => {
    try {
      const n = await sweepExpiredRecords(db.writer, now());
      if (n > 0) logger.info(`cleanup worker removed ${n} expired records`);
      await pruneUsedTsigMacs(db.writer, now());
      const pruned = await pruneJournal(db.writer, config.DMP_JOURNAL_KEEP);
      if (pruned > 0) logger.info(`cleanup worker pruned ${pruned} journal entries`);
    } catch (e) {
      logger.warn("cleanup failed", { error: errText(e) });
    }
  }, config.DMP_CLEANUP_INTERVAL * 1000);

  // The query log and TSIG last-used times go to the primary through the storage worker,
  // each in its own message; one flush at a time (a slow primary cannot stack them up).
  const node = nodeName(config, udp.port);
  const queryLogFlusher = queryLog && new QueryLogFlusher({
    ring: queryLog.ring,
    write: (samples) => db.appendQueryLog(node, samples, config.DMP_QUERY_LOG_ROWS),
    logger: logger.child("query-log"),
  });
  let flushing: Promise<unknown> | undefined;
  const flushObservations = () =>
    Promise.all([
      queryLogFlusher?.flush(),
      lastUsed.flush((uses) => db.recordTsigLastUsed(uses), now()),
    ]);
  const flushTimer = setInterval(() => {
    flushing ??= flushObservations().finally(() => flushing = undefined);
  }, config.DMP_QUERY_LOG_FLUSH_INTERVAL * 1000);

  logger.info(
    `DMP node up: dns=${config.DMP_DNS_HOST}:${udp.port}/udp+tcp (${runtime}, udp ${udp.io}) dot=${
      dot ? `${config.DMP_DNS_HOST}:${dot.port}` : "off"
    } http=${config.DMP_NODE_HTTP_HOST}:${ops?.port ?? "off"} db=${db.kind} ${
      redactDatabaseUrl(db.url)
    }${db.writerTransport ? ` writes=${db.writerTransport}` : ""} zones=${
      index.zoneNames().join(",") || "-"
    }`,
  );
  return {
    dnsPort: udp.port,
    httpPort: ops?.port ?? 0,
    index,
    metrics,
    async stop() {
      stopping = true;
      trigger.fire();
      heapTrimmer.stop();
      await signal?.stop();
      clearInterval(cleanupTimer);
      clearInterval(flushTimer);
      await heartbeat?.stop();
      await stats?.stop();
      dotCertificate?.stop();
      await Promise.all([udp.close(), tcp.close(), dot?.close(), ops?.close()]);
      await syncLoop;
      await notifier.stop();
      // What was sampled since the last flush is written before the worker closes, for at most
      // two seconds: an unreachable primary must not hold up the stop.
      await withTimeout((flushing ?? Promise.resolve()).then(flushObservations), 2000)
        .catch(() => {});
      await db.close();
      logger.info("DMP node stopped");
    },
  };
}

/**
 * The DoT certificate pair when DMP_DOT_CERT_FILE and DMP_DOT_KEY_FILE are
 * set (DoT off when neither is); one without the other stops start-up.
 */
/**
 * Starts the ops HTTP listener (health, metrics, DoH) on DMP_NODE_HTTP_PORT. Its modules (hono
 * and its Node server: 50 ms to load) load here, once DNS answers, not before the first answer
 * (issue 15, start-up).
 */
async function serveOpsListener(
  config: Config,
  client: OpsDeps["client"],
  metrics: MetricsRegistry,
  service: DnsService,
): ReturnType<typeof serveOps> {
  const [{ createOpsApp, serveOps }, { mountDoh }, { getConnInfo }] = await Promise.all([
    import("./ops_http.ts"),
    import("./transports/doh.ts"),
    import("@hono/node-server/conninfo"),
  ]);
  return await bindOrFail(
    "ops HTTP (health, metrics, DoH)",
    "DMP_NODE_HTTP_PORT",
    config.DMP_NODE_HTTP_HOST,
    config.DMP_NODE_HTTP_PORT,
    serveOps(
      createOpsApp({
        client,
        metrics,
        operatorToken: operatorToken(config),
        // Per-client DoH buckets: the peer, or the trusted proxy's header behind a proxy.
        extend: (app) =>
          mountDoh(
            app,
            service,
            (c) =>
              clientAddressOf(
                config.DMP_TRUSTED_PROXY_HEADER,
                (name) => c.req.header(name),
                getConnInfo(c).remote.address,
              ),
          ),
      }),
      config.DMP_NODE_HTTP_HOST,
      config.DMP_NODE_HTTP_PORT,
    ),
  );
}

async function loadDotCertificate(
  config: Config,
  logger: Logger,
): Promise<CertificatePair | undefined> {
  const cert = config.DMP_DOT_CERT_FILE;
  const key = config.DMP_DOT_KEY_FILE;
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    throw new Error(
      `Cannot start: DoT needs both DMP_DOT_CERT_FILE and DMP_DOT_KEY_FILE; ${
        cert ? "DMP_DOT_KEY_FILE" : "DMP_DOT_CERT_FILE"
      } is unset`,
    );
  }
  return await CertificatePair.load(cert, key, logger);
}

/** The first full load of the index, with a progress line when it takes over a second. */
async function loadIndex(
  db: StorageClient,
  index: ZoneIndex,
  now: number,
  progress: StartOptions["progress"],
): Promise<number> {
  const apply = async (onProgress?: (n: number) => void) => {
    const { patches, seq } = await db.loadIndex(now, onProgress);
    applyIndexPatches(index, patches);
    return seq;
  };
  if (!progress || progress.quiet || !progress.sink.isTTY) return await apply();
  const meter = new ProgressMeter({
    label: "loading zones",
    unit: "records",
    total: await countLiveRecords(db.reader, now),
    sink: progress.sink,
    now: progress.now,
  });
  let done = 0;
  // Redraw on a timer too, so the rate and ETA move between pages.
  const timer = setInterval(() => meter.update(done), 250);
  try {
    return await apply((n) => meter.update(done = n));
  } finally {
    clearInterval(timer);
    meter.finish();
  }
}

/** Seeds the zone named by DMP_DOMAIN (reference compatibility) with the apex variables. */
async function seedServedZone(
  config: Config,
  client: Parameters<typeof readZone>[0],
  logger: Logger,
): Promise<void> {
  const zone = servedZone(config);
  if (!zone) return;
  const existing = await readZone(client, zone);
  const hasApex = config.DMP_DNS_APEX_A || config.DMP_DNS_APEX_AAAA || config.DMP_DNS_APEX_NS ||
    config.DMP_DNS_APEX_SOA_RNAME;
  if (existing && !hasApex) return;
  try {
    await upsertZone(client, {
      name: zone,
      soaMname: config.DMP_DNS_APEX_NS ?? existing?.soaMname ?? "",
      soaRname: config.DMP_DNS_APEX_SOA_RNAME ?? existing?.soaRname ?? "",
      soaMinimum: config.DMP_DNS_TTL,
      apexA: config.DMP_DNS_APEX_A ? [config.DMP_DNS_APEX_A] : undefined,
      apexAaaa: config.DMP_DNS_APEX_AAAA ? [config.DMP_DNS_APEX_AAAA] : undefined,
      apexNs: config.DMP_DNS_APEX_NS ? [config.DMP_DNS_APEX_NS] : undefined,
      apexTtl: config.DMP_DNS_TTL,
    }, Date.now() / 1000);
  } catch (e) {
    logger.warn(`could not seed zone ${zone}`, { error: errText(e) });
  }
}

function errText(e: unknown): string {
  return String((e as Error)?.message ?? e).slice(0, 300);
}
