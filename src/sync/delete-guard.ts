/**
 * Accidental-delete prevention, absolute and relative: a cycle stops before exporting deletes
 * when it would delete more than `threshold` objects, or more than `percent` % of the objects
 * synced before it. The absolute limit alone let one empty read wipe a 400-user tenant (500 was
 * never reached); the share catches that at any size. Pure, shared by the engine (which enforces
 * it) and the tenant's status rules (which explain it).
 */

export interface DeleteThresholds {
  /** More deletes than this stop the cycle. */
  threshold: number;
  /** More deletes than this share (%) of the synced objects stop the cycle; 0 switches it off. */
  percent: number;
}

export interface DeleteGuardVerdict {
  exceeded: boolean;
  /** Which limit was passed first (absolute wins when both are). */
  limit: 'absolute' | 'relative' | null;
  /** The deletes as a share of the synced objects, rounded down to a whole percent (100 when nothing was synced). */
  share: number;
}

export function judgeDeletes(deletes: number, synced: number, limits: DeleteThresholds): DeleteGuardVerdict {
  const share = synced > 0 ? Math.floor((deletes * 100) / synced) : deletes > 0 ? 100 : 0;
  if (deletes > limits.threshold) return { exceeded: true, limit: 'absolute', share };
  // Compared in whole numbers (deletes * 100 > percent * synced) so 1 of 3 at 33 % is not a rounding question.
  if (limits.percent > 0 && deletes > 0 && deletes * 100 > limits.percent * synced) return { exceeded: true, limit: 'relative', share };
  return { exceeded: false, limit: null, share };
}

/** A count as English text groups it (1,024): the words CLI, logs and the English admin center show. */
export const grouped = (n: number): string => n.toLocaleString('en-US');

/** "640 objects, more than the threshold of 500" / "400 of 400 synced objects (100 %), more than 50 %". */
export function describeDeleteVerdict(deletes: number, synced: number, limits: DeleteThresholds, verdict: DeleteGuardVerdict): string {
  if (verdict.limit === 'relative') {
    return `${grouped(deletes)} of ${grouped(synced)} synced objects (${verdict.share} %), more than the threshold of ${limits.percent} %`;
  }
  return `${grouped(deletes)} objects, more than the threshold of ${grouped(limits.threshold)}`;
}

/** The same facts by name, for the template in the admin's language (the form says which limit). */
export function deleteVerdictParams(deletes: number, synced: number, limits: DeleteThresholds, verdict: DeleteGuardVerdict): { form: string; deletes: number; synced: number; threshold: number; share: number; percent: number } {
  return { form: verdict.limit === 'relative' ? 'relative' : 'absolute', deletes, synced, threshold: limits.threshold, share: verdict.share, percent: limits.percent };
}

/**
 * A read that found none of the objects in scope (an emptied LDIF, a base that came back empty)
 * while deletes would remove everything synced: held whatever the thresholds say, as a source
 * that returns nothing is far likelier broken than emptied on purpose. `seen`: the objects of the
 * cycle in scope (errors included).
 */
export function isEmptyRead(deletes: number, synced: number, seen: number): boolean {
  return seen === 0 && deletes > 0 && deletes >= synced;
}
