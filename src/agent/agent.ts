/**
 * The agent process: heartbeats (which carry the tenant's settings), the directory cycle and the
 * password cycle on their own intervals, and an immediate delta when the source pushes a change.
 * Cycles never overlap; a standby agent (no lease) only heartbeats.
 */
import type { Logger } from '../shared/logger.js';
import { isAppError } from '../shared/errors.js';
import type { MappingOptions } from '../directory/mapping.js';
import { runDirectoryCycle, type DirectoryCycleResult, type CycleProgress } from '../sync/directory-cycle.js';
import { runPasswordCycle, type PasswordCycleResult, type VerifierDeriver } from '../sync/password-cycle.js';
import type { DirectorySource } from '../sync/ports.js';
import type { AgentSettings } from '../tenant/api/contract.js';
import type { LocalState } from './local-state.js';
import type { TenantClient } from './tenant-client.js';

export interface AgentIntervals {
  heartbeatMs: number;
  deltaMs: number;
  fullMs: number;
  passwordMs: number;
  /** Debounce of source-pushed changes, so a burst of edits makes one cycle. */
  pushDebounceMs: number;
}

/** Objects listed per kind of change in a preview; the counts are always complete. */
const PREVIEW_LIST_LIMIT = 1000;

export const DEFAULT_INTERVALS: AgentIntervals = {
  heartbeatMs: 5_000,
  deltaMs: 30 * 60_000,
  fullMs: 6 * 60 * 60_000,
  passwordMs: 2 * 60_000,
  pushDebounceMs: 200,
};

export interface AgentOptions {
  client: TenantClient;
  source: DirectorySource;
  state: LocalState;
  deriver: VerifierDeriver;
  mapping: MappingOptions;
  host: string;
  version: string;
  syncAccount?: string | undefined;
  tlsVerificationDisabled?: boolean | undefined;
  /** Links allowed to run in clear (agent.allowCleartext), reported so the status warns. */
  cleartextLinks?: ReadonlyArray<'tenant' | 'directory'> | undefined;
  logger: Logger;
  intervals?: Partial<AgentIntervals>;
}

export class Agent {
  private settings: AgentSettings | null = null;
  private readonly intervals: AgentIntervals;
  private readonly timers: NodeJS.Timeout[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stopWatching: (() => void) | null = null;
  private pushTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastFull = 0;
  private answeredPreview: string | null = null;

  constructor(private readonly options: AgentOptions) {
    this.intervals = { ...DEFAULT_INTERVALS, ...options.intervals };
  }

  get currentSettings(): AgentSettings | null {
    return this.settings;
  }

  /** Reads the tenant's settings once, without starting the loops (for on-demand cycles). */
  async connect(): Promise<AgentSettings | null> {
    await this.heartbeat();
    return this.settings;
  }

  async start(): Promise<void> {
    await this.heartbeat();
    this.every(this.intervals.heartbeatMs, () => this.heartbeat());
    this.every(this.intervals.deltaMs, () => this.syncDirectory(Date.now() - this.lastFull >= this.intervals.fullMs ? 'full' : 'delta'));
    this.every(this.intervals.passwordMs, () => this.syncPasswords('delta'));
    if (this.options.source.watch) {
      this.stopWatching = this.options.source.watch(
        () => this.onSourceChange(),
        (error) => this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'watching the directory for changes failed; retrying'),
      );
    }
    // First cycles right away, so a new installation shows real state within seconds.
    void this.syncDirectory('delta').then(() => this.syncPasswords('delta'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.stopWatching?.();
    await this.queue.catch(() => undefined);
  }

  /** Runs a directory cycle (serialized with every other cycle). */
  syncDirectory(mode: 'full' | 'delta', extra: { dryRun?: boolean; allowDeletes?: boolean; onProgress?: (p: CycleProgress) => void } = {}): Promise<DirectoryCycleResult | null> {
    return this.serialize(async () => {
      const settings = this.settings;
      if (!settings || !settings.active || (!settings.directorySyncEnabled && !extra.dryRun)) return null;
      const { allowDeletes, ...rest } = extra;
      const result = await runDirectoryCycle(this.options.source, this.options.state.exports, this.options.client, {
        mode,
        mapping: this.options.mapping,
        deleteThreshold: settings.deleteThreshold,
        // An admin running `dirbridge sync --allow-deletes` on the agent host allows this one cycle.
        allowedDeletes: allowDeletes ? Number.MAX_SAFE_INTEGER : settings.allowedDeletes,
        ...rest,
      });
      if (extra.dryRun) return result;
      if (result.mode === 'full' && !result.failure) this.lastFull = Date.now();
      this.log('directory', result);
      await this.report('directory', result, result.pendingDeletes);
      return result;
    });
  }

  /** Runs a password cycle when password sync is enabled. */
  syncPasswords(mode: 'full' | 'delta' | 'persist'): Promise<PasswordCycleResult | null> {
    return this.serialize(async () => {
      const settings = this.settings;
      if (!settings || !settings.active || !settings.passwordSyncEnabled) return null;
      const result = await runPasswordCycle(this.options.source, this.options.state.exports, this.options.state.passwords, this.options.client, this.options.deriver, {
        mode,
        flavor: this.options.mapping.flavor,
        kdfParams: settings.kdfParams,
        fingerprintKey: this.options.state.fingerprintKey(),
      });
      this.log('password', result);
      await this.report('password', result);
      return result;
    });
  }

  private async heartbeat(): Promise<void> {
    try {
      const previous = this.settings;
      this.settings = await this.options.client.heartbeat({
        host: this.options.host,
        version: this.options.version,
        source: this.options.source.description,
        ...(this.options.syncAccount ? { syncAccount: this.options.syncAccount } : {}),
        ...(this.options.tlsVerificationDisabled ? { tlsVerificationDisabled: true } : {}),
        ...(this.options.cleartextLinks?.length ? { cleartextLinks: [...this.options.cleartextLinks] } : {}),
      });
      const seenEpoch = this.options.state.passwordEpoch();
      if (seenEpoch !== this.settings.passwordEpoch) {
        this.options.state.setPasswordEpoch(this.settings.passwordEpoch);
        if (seenEpoch !== null) {
          // An admin removed every synced verifier: forget what was exported, so all are sent again.
          this.options.logger.info('the tenant removed all synced password hashes; they will be sent again');
          this.options.state.passwords.reset();
          if (this.settings.passwordSyncEnabled) void this.syncPasswords('full');
        }
      }
      if (previous && previous.passwordSyncEnabled !== this.settings.passwordSyncEnabled) {
        this.options.logger.info({ passwordSyncEnabled: this.settings.passwordSyncEnabled }, 'password sync setting changed');
        if (this.settings.passwordSyncEnabled) void this.syncPasswords('delta');
      }
      if (previous && !previous.active && this.settings.active) {
        this.options.logger.info('this agent is now the active agent');
        void this.syncDirectory('delta').then(() => this.syncPasswords('delta'));
      }
      if (previous && previous.allowedDeletes === 0 && this.settings.allowedDeletes > 0) void this.syncDirectory('full');
      const preview = this.settings.previewRequestedAt;
      if (preview && preview !== this.answeredPreview && this.settings.active) {
        this.answeredPreview = preview;
        void this.answerPreview(preview);
      }
    } catch (error) {
      this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'heartbeat to the tenant failed');
    }
  }

  /** An admin asked in the admin center what the next cycle would do: a dry run, reported, not exported. */
  private async answerPreview(requestedAt: string): Promise<void> {
    const result = await this.syncDirectory('full', { dryRun: true });
    if (!result?.plan) return;
    const cap = <T>(items: T[]) => items.slice(0, PREVIEW_LIST_LIMIT);
    const plan = result.plan;
    try {
      await this.options.client.reportPreview({
        requestedAt,
        result: {
          mode: result.mode,
          adds: cap(plan.adds.map((u) => ({ kind: u.record.kind, dn: u.record.dn }))),
          updates: cap(plan.updates.map((u) => ({ kind: u.record.kind, dn: u.record.dn }))),
          deletes: cap(plan.deletes.map((d) => ({ kind: d.kind, dn: d.dn }))),
          counts: { adds: plan.adds.length, updates: plan.updates.length, deletes: plan.deletes.length, unchanged: plan.unchanged, errors: result.errors.length },
          deleteThresholdExceeded: result.pendingDeletes > 0,
          errorCode: result.failure && result.failure.code !== 'DELETE_THRESHOLD_EXCEEDED' ? result.failure.code : null,
          errorMessage: result.failure && result.failure.code !== 'DELETE_THRESHOLD_EXCEEDED' ? result.failure.message : null,
        },
      });
    } catch (error) {
      this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'reporting the preview to the tenant failed');
    }
  }

  private onSourceChange(): void {
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      void this.syncDirectory('delta').then(() => this.syncPasswords('persist'));
    }, this.intervals.pushDebounceMs);
  }

  private async report(kind: 'directory' | 'password', result: DirectoryCycleResult | PasswordCycleResult, pendingDeletes?: number): Promise<void> {
    try {
      await this.options.client.reportRun({
        runId: result.runId,
        kind,
        mode: result.mode,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
        outcome: result.outcome,
        counts: result.counts,
        errorCode: result.failure?.code ?? null,
        errorMessage: result.failure ? `${result.failure.message} ${result.failure.hint}` : null,
        objectErrors: result.errors,
        ...(pendingDeletes ? { pendingDeletes } : {}),
      });
    } catch (error) {
      this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, `reporting the ${kind} run to the tenant failed`);
    }
  }

  private log(kind: string, result: DirectoryCycleResult | PasswordCycleResult): void {
    const fields = { kind, mode: result.mode, outcome: result.outcome, counts: result.counts, ms: result.finishedAt.getTime() - result.startedAt.getTime() };
    if (result.failure) this.options.logger.warn({ ...fields, code: result.failure.code, reason: result.failure.message }, `${kind} cycle did not complete`);
    else this.options.logger.info(fields, `${kind} cycle finished`);
  }

  private serialize<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.stopped) return Promise.resolve(null);
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next.catch((error: unknown) => {
      this.options.logger.error({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'sync cycle crashed');
      return null;
    });
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    this.timers.push(setInterval(() => { void task(); }, ms));
  }
}

/** Error text for logs: the message and code only (causes may carry request bodies). */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
