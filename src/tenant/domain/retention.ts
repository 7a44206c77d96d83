/**
 * How long the tenant keeps its history, and how often it prunes it. Each table goes by age and by
 * count, whichever removes more, so neither a busy agent (many runs a day) nor a quiet year lets
 * a table grow without bound. The defaults are documented in docs/configuration.md (config schema).
 */
import type { RetentionPolicy } from '../store/ports.js';

export interface RetentionSchedule extends RetentionPolicy {
  /** Minutes between prunings (the first runs at start). */
  intervalMinutes: number;
}

export const DEFAULT_RETENTION: RetentionSchedule = {
  // The status reads the last runs only; three months of history answers "when did it start failing?".
  runs: { maxAgeDays: 90, maxCount: 10_000 },
  // Batch ids make an agent's retry of the same request harmless; a retry comes within minutes.
  batches: { maxAgeDays: 7, maxCount: 100_000 },
  audit: { maxAgeDays: 365, maxCount: 100_000 },
  // A lockout forgets its failures after an hour; a row still locking someone out is never pruned.
  lockouts: { maxAgeDays: 7, maxCount: 100_000 },
  intervalMinutes: 60,
};
