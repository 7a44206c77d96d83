/**
 * Planning is pure: from what the directory holds now and what was exported before, it says what
 * to add, update and delete. Applying the plan is a separate step (apply.ts), so a dry run is
 * just a plan that is printed instead of applied.
 */
import { createHash } from 'node:crypto';
import type { ExportedRecord } from './ports.js';
import type { ObjectChange, SyncedObject } from './model.js';

export interface PlannedUpsert {
  change: Extract<ObjectChange, { op: 'upsert' }>;
  record: ExportedRecord;
  isNew: boolean;
}

export interface SyncPlan {
  adds: PlannedUpsert[];
  updates: PlannedUpsert[];
  deletes: Array<Extract<ObjectChange, { op: 'delete' }>>;
  unchanged: number;
  /** The records of the unchanged objects: a full cycle records locally what the tenant already holds. */
  kept: ExportedRecord[];
}

export const emptyPlan = (): SyncPlan => ({ adds: [], updates: [], deletes: [], unchanged: 0, kept: [] });

/**
 * Canonical JSON (sorted keys; member lists sorted) so equal objects always fingerprint alike.
 * Exported objects are flat (strings, booleans, null, lists of strings), so JSON.stringify of a
 * copy built in sorted key order is the canonical form, several times cheaper than walking the
 * object (one call per object of a full sync; a replacer list would leave V8's fast path).
 * Keys whose value is undefined would be left out; there are none.
 */
export function fingerprintObject(object: SyncedObject): string {
  const canonical: Record<string, unknown> = object.kind === 'group'
    ? { ...object, memberAnchors: [...object.memberAnchors].sort() }
    : { ...object, otherMails: [...object.otherMails].sort() };
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(canonical).sort()) ordered[key] = canonical[key];
  return createHash('sha256').update(JSON.stringify(ordered)).digest('base64url');
}

/** Plans the upserts of one page of current objects against the export record. */
export function planUpserts(
  current: Iterable<{ object: SyncedObject; uid?: string | null }>,
  exported: (anchor: string) => ExportedRecord | undefined,
  plan: SyncPlan = emptyPlan(),
): SyncPlan {
  for (const { object, uid } of current) {
    const record: ExportedRecord = { anchor: object.anchor, kind: object.kind, dn: object.dn, fingerprint: fingerprintObject(object), uid: uid ?? null };
    const before = exported(object.anchor);
    if (before && before.fingerprint === record.fingerprint && before.kind === record.kind) {
      plan.unchanged++;
      plan.kept.push(record);
      continue;
    }
    const upsert: PlannedUpsert = { change: { op: 'upsert', object }, record, isNew: before === undefined };
    (before ? plan.updates : plan.adds).push(upsert);
  }
  return plan;
}

/** Plans deletes: everything exported whose anchor the directory no longer has in scope. */
export function planDeletes(
  exportedRecords: Iterable<ExportedRecord>,
  stillPresent: (anchor: string) => boolean,
  plan: SyncPlan = emptyPlan(),
): SyncPlan {
  for (const record of exportedRecords) {
    if (!stillPresent(record.anchor)) plan.deletes.push({ op: 'delete', kind: record.kind, anchor: record.anchor, dn: record.dn });
  }
  return plan;
}

/** The whole plan for a complete view of the directory: the composition the engine streams. */
export function planChanges(current: Array<{ object: SyncedObject; uid?: string | null }>, exported: ExportedRecord[]): SyncPlan {
  const byAnchor = new Map(exported.map((r) => [r.anchor, r]));
  const present = new Set(current.map((c) => c.object.anchor));
  const plan = planUpserts(current, (a) => byAnchor.get(a));
  return planDeletes(exported, (a) => present.has(a), plan);
}

/** What the export record becomes once a plan is applied: the model the engine's property test checks against. */
export function applyPlanToRecords(plan: SyncPlan, exported: ExportedRecord[]): ExportedRecord[] {
  const byAnchor = new Map(exported.map((r) => [r.anchor, r]));
  for (const d of plan.deletes) byAnchor.delete(d.anchor);
  for (const u of [...plan.adds, ...plan.updates]) byAnchor.set(u.record.anchor, u.record);
  return [...byAnchor.values()];
}
