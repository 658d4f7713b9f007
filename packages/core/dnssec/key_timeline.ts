/**
 * The lifecycle of a zone's DNSSEC keys as timestamps (RFC 7583 §3.1): each
 * key row carries the times of its events (published in DNSKEY, signing,
 * stops signing, removed, its DS withdrawn from CDS/CDNSKEY), all computed
 * when a rollover starts or when the operator confirms the parent's DS. Every
 * node derives a key's state from those rows and its clock, so no scheduler
 * advances anything and any number of nodes (and a stateless edge) agree.
 *
 * Roles (RFC 6781 §3.1): a KSK (flags 257) signs the apex DNSKEY, CDS and
 * CDNSKEY RRsets; a ZSK (flags 256) signs everything else; a combined key
 * (CSK, flags 257, what zones signed before the split have) does both until a
 * ZSK rollover hands its zone role to a new ZSK.
 *
 * - ZSK rollover by pre-publication (RFC 6781 §4.1.1.1, RFC 7583 §3.2.1): the
 *   new ZSK is published now and signs from now + DNSKEY TTL + propagation
 *   (every cache then holds a DNSKEY RRset with it); the old one stops
 *   signing then and is removed max zone TTL + propagation later (no cache
 *   holds a signature by it any more).
 * - KSK rollover by double-DS (RFC 6781 §4.1.2, RFC 7583 §3.3.2): the new KSK
 *   is published now and CDS/CDNSKEY (RFC 7344) list both DS. Once the
 *   operator confirms the parent serves the new DS (or after the configured
 *   wait), the new KSK signs the DNSKEY RRset from then + parent DS TTL +
 *   propagation (every cached DS set holds the new DS); the old KSK stops
 *   then, and it and its DS leave DNSKEY and CDS a DNSKEY TTL + propagation
 *   later (no cache holds a DNSKEY RRset signed only by it).
 *
 * This module is browser compatible.
 * @module
 */

/** A key's roles: combined (both), key-signing, zone-signing. */
export type KeyRole = "csk" | "ksk" | "zsk";

/** DNSKEY flags of a KSK or CSK (Zone Key + SEP) and of a ZSK (Zone Key), RFC 4034 §2.1.1. */
export const ROLE_FLAGS: Readonly<Record<KeyRole, number>> = { csk: 257, ksk: 257, zsk: 256 };

/** The event times of one key, seconds since the epoch; null = not scheduled. */
export interface KeyTimes {
  role: KeyRole;
  /** in the DNSKEY RRset (and, for a KSK or CSK, CDS/CDNSKEY) from */
  publishAt: number;
  /** signs from; null while a new KSK waits for its DS at the parent */
  activeAt: number | null;
  /** stops signing zone data (ZSK, CSK) */
  zoneUntil: number | null;
  /** stops signing DNSKEY/CDS/CDNSKEY (KSK, CSK) */
  keysUntil: number | null;
  /** leaves the DNSKEY RRset */
  removeAt: number | null;
  /** its DS leaves CDS/CDNSKEY (the parent may withdraw it) */
  dsRemoveAt: number | null;
  /** when the operator confirmed the parent serves its DS */
  dsSeenAt: number | null;
}

/** The waits of a rollover (seconds), from `DMP_DNSSEC_*` settings. */
export interface RolloverTimings {
  /** TTL of DNSKEY, CDS and CDNSKEY */
  dnskeyTtl: number;
  /** the largest TTL signed data in the zone has (answers and negative answers) */
  maxZoneTtl: number;
  /** time for a change to reach every node and secondary (RFC 7583 Dprp) */
  propagation: number;
  /** TTL of the DS RRset at the parent */
  parentDsTtl: number;
  /** the parent is taken to serve a new DS this long after the KSK roll starts; 0 = wait for ds-seen */
  dsWait: number;
}

const before = (at: number | null, now: number) => at === null || now < at;

/**
 * The latest step (publication, activation, end of signing, removal) of any
 * of `keys` at or before `now`; 0 when none. A step changes what a signed
 * zone transfer carries (its DNSKEY RRset, which key made its RRSIGs), so
 * the serial secondaries see must move after it (`store/zone_resign.ts`).
 */
export function lastKeyStep(keys: readonly KeyTimes[], now: number): number {
  let last = 0;
  for (const at of stepTimes(keys)) if (at <= now && at > last) last = at;
  return last;
}

/** The earliest step of any of `keys` after `now`; Infinity when none is scheduled. */
export function nextKeyStep(keys: readonly KeyTimes[], now: number): number {
  let next = Infinity;
  for (const at of stepTimes(keys)) if (at > now && at < next) next = at;
  return next;
}

/** Every scheduled step time of `keys` (what changes DNSKEY, CDS or the signing key). */
function* stepTimes(keys: readonly KeyTimes[]): Generator<number> {
  for (const k of keys) {
    for (
      const at of [k.publishAt, k.activeAt, k.zoneUntil, k.keysUntil, k.removeAt, k.dsRemoveAt]
    ) {
      if (at !== null) yield at;
    }
  }
}

/** Whether the key is in the DNSKEY RRset at `now`. */
export function inDnskey(k: KeyTimes, now: number): boolean {
  return k.publishAt <= now && before(k.removeAt, now);
}

/** Whether the key's DS is in CDS/CDNSKEY at `now` (KSK and CSK only, RFC 7344 §3). */
export function inCds(k: KeyTimes, now: number): boolean {
  return k.role !== "zsk" && k.publishAt <= now && before(k.dsRemoveAt ?? k.removeAt, now);
}

/** Whether the key signs zone data at `now`. */
export function signsZone(k: KeyTimes, now: number): boolean {
  return k.role !== "ksk" && k.activeAt !== null && k.activeAt <= now &&
    before(k.zoneUntil, now) && inDnskey(k, now);
}

/** Whether the key signs the apex DNSKEY, CDS and CDNSKEY RRsets at `now`. */
export function signsKeys(k: KeyTimes, now: number): boolean {
  return k.role !== "zsk" && k.activeAt !== null && k.activeAt <= now &&
    before(k.keysUntil, now) && inDnskey(k, now);
}

/** A key's state at a time, and its next scheduled step. */
export interface KeyState {
  /** `published` (not signing yet), `ds-pending` (a new KSK waiting for ds-seen), `active`, `retired` (published, no longer signing), `removed` */
  state: "published" | "ds-pending" | "active" | "retired" | "removed";
  /** what it does now: the roles it signs in */
  signs: ("zone" | "keys")[];
  /** the next step and its time (null: waits for the operator's ds-seen) */
  next?: { step: string; at: number | null };
}

/** The state of `k` at `now` (what `dmp zone dnssec-status` and the API show). */
export function keyState(k: KeyTimes, now: number): KeyState {
  const signs: KeyState["signs"] = [];
  if (signsZone(k, now)) signs.push("zone");
  if (signsKeys(k, now)) signs.push("keys");
  if (!inDnskey(k, now) && k.publishAt <= now) return { state: "removed", signs };
  const future = (
    [
      ["published", k.publishAt],
      ["active", k.activeAt],
      ["stops signing zone data", k.role === "ksk" ? null : k.zoneUntil],
      ["stops signing keys", k.role === "zsk" ? null : k.keysUntil],
      ["DS withdrawn from CDS (the parent may remove it)", k.dsRemoveAt],
      ["removed", k.removeAt],
    ] as [string, number | null][]
  ).filter(([, at]) => at !== null && at > now).sort((a, b) => a[1]! - b[1]!);
  const next = future.length > 0 ? { step: future[0][0], at: future[0][1] } : undefined;
  if (k.activeAt === null) {
    return {
      state: "ds-pending",
      signs,
      next: { step: "the parent serves its DS: confirm with ds-seen", at: null },
    };
  }
  if (k.activeAt > now) return { state: "published", signs, next };
  return { state: signs.length > 0 ? "active" : "retired", signs, next };
}

/** Whether a rollover of the zone is under way at `now` (some key has a step to come). */
export function rolloverInProgress(keys: readonly KeyTimes[], now: number): boolean {
  return keys.some((k) =>
    k.activeAt === null ||
    [k.publishAt, k.activeAt, k.zoneUntil, k.keysUntil, k.removeAt, k.dsRemoveAt].some((t) =>
      t !== null && t > now
    )
  );
}

/** A planned change: the new key's times and the new times of existing keys (by index). */
export interface RolloverPlan {
  newKey: KeyTimes;
  changes: { index: number; set: Partial<KeyTimes> }[];
}

/** A refused request, with the reason an operator reads. */
export interface PlanError {
  error: string;
}

/**
 * Plans a ZSK rollover by pre-publication at `now`. A combined key keeps
 * its KSK role (the zone is split by this roll).
 */
export function planZskRollover(
  keys: readonly KeyTimes[],
  now: number,
  t: RolloverTimings,
): RolloverPlan | PlanError {
  const busy = refuse(keys, now);
  if (busy) return busy;
  const signing = keys.map((k, index) => ({ k, index })).filter(({ k }) => signsZone(k, now));
  if (signing.length === 0) return { error: "no key signs the zone's data" };
  const switchAt = now + t.dnskeyTtl + t.propagation;
  const removeAt = switchAt + Math.max(t.maxZoneTtl, t.dnskeyTtl) + t.propagation;
  return {
    newKey: times("zsk", now, switchAt),
    changes: signing.map(({ k, index }) => ({
      index,
      // A CSK stays as the KSK: only its zone role ends.
      set: k.role === "csk" ? { zoneUntil: switchAt } : { zoneUntil: switchAt, removeAt },
    })),
  };
}

/**
 * Plans a KSK rollover by double-DS at `now`. With `dsWait` 0 the new KSK
 * waits for {@linkcode planDsSeen}; otherwise the parent is taken to have
 * the DS `dsWait` seconds from now and every step is scheduled at once.
 */
export function planKskRollover(
  keys: readonly KeyTimes[],
  now: number,
  t: RolloverTimings,
): RolloverPlan | PlanError {
  const busy = refuse(keys, now);
  if (busy) return busy;
  if (keys.some((k) => k.role === "csk" && signsZone(k, now))) {
    return {
      error:
        "the zone has a combined key (CSK) that also signs its data: roll the ZSK first (rollover --zsk) to split it",
    };
  }
  if (!keys.some((k) => signsKeys(k, now))) {
    return { error: "no key signs the zone's DNSKEY RRset" };
  }
  const newKey = times("ksk", now, null);
  if (t.dsWait <= 0) return { newKey, changes: [] };
  const seen = dsSeenSteps(keys, newKey, now + t.dsWait, t);
  return { newKey: { ...newKey, ...seen.newKey }, changes: seen.changes };
}

/**
 * Plans the operator's confirmation at `now` that the parent serves the DS
 * of the key tagged `keyTag`: the switch is scheduled from it.
 */
export function planDsSeen(
  keys: readonly KeyTimes[],
  keyTags: readonly number[],
  keyTag: number,
  now: number,
  t: RolloverTimings,
): RolloverPlan | PlanError {
  const index = keyTags.indexOf(keyTag);
  if (index < 0) return { error: `no key with tag ${keyTag} in this zone` };
  const k = keys[index];
  if (k.role === "zsk") return { error: `key ${keyTag} is a ZSK: the parent holds no DS for it` };
  if (k.activeAt !== null) {
    return { error: `key ${keyTag} is not waiting for its DS (no KSK rollover waits for it)` };
  }
  const seen = dsSeenSteps(keys, k, now, t);
  return {
    newKey: { ...k, ...seen.newKey },
    changes: [{ index, set: seen.newKey }, ...seen.changes],
  };
}

function dsSeenSteps(
  keys: readonly KeyTimes[],
  newKey: KeyTimes,
  seenAt: number,
  t: RolloverTimings,
): { newKey: Partial<KeyTimes>; changes: RolloverPlan["changes"] } {
  // Every cached DS set holds the new DS once the parent's TTL has run (RFC 7583 §3.3.2).
  const switchAt = Math.max(seenAt, newKey.publishAt) + t.parentDsTtl + t.propagation;
  const retireAt = switchAt + t.dnskeyTtl + t.propagation;
  const changes = keys.map((k, index) => ({ k, index }))
    .filter(({ k }) =>
      k !== newKey && k.role !== "zsk" && k.activeAt !== null && k.keysUntil === null
    )
    .map(({ index }) => ({
      index,
      set: { keysUntil: switchAt, removeAt: retireAt, dsRemoveAt: retireAt },
    }));
  return { newKey: { activeAt: switchAt, dsSeenAt: seenAt }, changes };
}

function refuse(keys: readonly KeyTimes[], now: number): PlanError | undefined {
  if (keys.length === 0) return { error: "the zone is not signed" };
  if (rolloverInProgress(keys, now)) {
    return { error: "a rollover is already in progress: see dnssec-status for its next step" };
  }
  return undefined;
}

function times(role: KeyRole, publishAt: number, activeAt: number | null): KeyTimes {
  return {
    role,
    publishAt,
    activeAt,
    zoneUntil: null,
    keysUntil: null,
    removeAt: null,
    dsRemoveAt: null,
    dsSeenAt: null,
  };
}

/** The times of a key made when signing is turned on: published and signing at once. */
export function initialKeyTimes(role: KeyRole, now: number): KeyTimes {
  return times(role, now, now);
}
