/**
 * The agent process: heartbeats (which carry the tenant's settings and the password progress),
 * and two independent pipelines: directory work and password work. Each runs one cycle at a time
 * with at most one pending (pipeline.ts), so a disable, a delete or a group removal never waits
 * behind password derivation, and timers never queue duplicates. A periodic (default daily) and
 * on-demand password reconciliation finds users without a current verifier. A standby agent (no
 * lease) only heartbeats.
 */
import type { Logger } from '../shared/logger.js';
import { isAppError } from '../shared/errors.js';
import type { MappingOptions } from '../directory/mapping.js';
import { runDirectoryCycle, type DirectoryCycleResult, type CycleProgress } from '../sync/directory-cycle.js';
import { runPasswordCycle, type PasswordCycleResult, type PasswordProgress, type VerifierDeriver } from '../sync/password-cycle.js';
import type { DirectorySource } from '../sync/ports.js';
import type { AgentSchedule } from '../tenant/api/dirsync-manage-contract.js';
import type { AgentSettings, DirectoryProgressView, PasswordProgressView } from '../tenant/api/contract.js';
import { Pipeline } from './pipeline.js';
import type { LocalState } from './local-state.js';
import type { TenantClient } from './tenant-client.js';

export interface AgentIntervals {
  heartbeatMs: number;
  deltaMs: number;
  fullMs: number;
  passwordMs: number;
  /** Password reconciliation: every user in scope without a current verifier gets one. */
  passwordReconcileMs: number;
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
  passwordReconcileMs: 24 * 60 * 60_000,
  pushDebounceMs: 200,
};

type PasswordMode = 'full' | 'delta' | 'persist';
interface DirectoryRequest { mode: 'full' | 'delta'; allowDeletes?: boolean; onProgress?: (p: CycleProgress) => void }

/** Meta key of the last password reconciliation request this agent answered. */
const RECONCILE_ANSWERED = 'password_reconcile_answered';
/** Meta key of the last "Sync now" request this agent took (so a restart does not run it twice). */
const SYNC_REQUEST_TAKEN = 'sync_request_taken';

export interface AgentOptions {
  client: TenantClient;
  source: DirectorySource;
  /** Where password hashes come from when not from `source` (AD: replication over MS-DRSR). */
  passwordSource?: DirectorySource | undefined;
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
  private readonly directory: Pipeline<DirectoryRequest, DirectoryCycleResult>;
  private readonly passwords: Pipeline<PasswordMode, PasswordCycleResult>;
  /** Previews (dry runs) change nothing, so they need not wait for a directory cycle. */
  private readonly previews: Pipeline<DirectoryRequest, DirectoryCycleResult>;
  private passwordProgress: PasswordProgressView | null = null;
  /** Whether the tenant has seen the current progress (null included), so heartbeats send only news. */
  private progressSent = true;
  private directoryProgress: DirectoryProgressView | null = null;
  private directoryProgressSent = true;
  private stopWatching: Array<() => void> = [];
  private pushTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private started = false;
  private lastFull = 0;
  private answeredPreview: string | null = null;
  /** The "Sync now" request this process took (or closed); one the state remembers but this process did not take was interrupted. */
  private answeringSyncRequest: string | null = null;
  /** When each periodic timer started, to tell the tenant when it fires next. */
  private readonly timerStarts = new Map<'delta' | 'password' | 'reconcile', number>();
  private heartbeating: Promise<void> | null = null;

  constructor(private readonly options: AgentOptions) {
    this.intervals = { ...DEFAULT_INTERVALS, ...options.intervals };
    const crashed = (error: unknown) => this.options.logger.error({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'sync cycle crashed');
    const mergeDirectory = (a: DirectoryRequest, b: DirectoryRequest): DirectoryRequest => {
      const onProgress = a.onProgress && b.onProgress ? (p: CycleProgress) => { a.onProgress?.(p); b.onProgress?.(p); } : (a.onProgress ?? b.onProgress);
      return { mode: a.mode === 'full' || b.mode === 'full' ? 'full' : 'delta', allowDeletes: Boolean(a.allowDeletes || b.allowDeletes), ...(onProgress ? { onProgress } : {}) };
    };
    const rank: Record<PasswordMode, number> = { persist: 0, delta: 1, full: 2 };
    this.directory = new Pipeline((r) => this.runDirectory(r, false), mergeDirectory, crashed);
    this.previews = new Pipeline((r) => this.runDirectory(r, true), mergeDirectory, crashed);
    this.passwords = new Pipeline((mode) => this.runPasswords(mode), (a, b) => (rank[a] >= rank[b] ? a : b), crashed);
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
    this.started = true;
    await this.heartbeat();
    const now = Date.now();
    for (const name of ['delta', 'password', 'reconcile'] as const) this.timerStarts.set(name, now);
    this.every(this.intervals.heartbeatMs, () => this.heartbeat());
    this.every(this.intervals.deltaMs, () => this.syncDirectory(Date.now() - this.lastFull >= this.intervals.fullMs ? 'full' : 'delta'));
    this.every(this.intervals.passwordMs, () => this.syncPasswords('delta'));
    this.every(this.intervals.passwordReconcileMs, () => this.syncPasswords('full'));
    for (const source of [this.options.source, this.options.passwordSource]) {
      if (!source?.watch) continue;
      this.stopWatching.push(source.watch(
        () => this.onSourceChange(),
        (error) => this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'watching the directory for changes failed; retrying'),
      ));
    }
    // First cycles right away, so a new installation shows real state within seconds; the
    // password pipeline starts once the first users are exported, then runs on its own.
    void this.syncDirectory('delta').then(() => this.syncPasswords('delta'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    for (const stop of this.stopWatching) stop();
    await Promise.all([this.directory.stop(), this.passwords.stop(), this.previews.stop()]);
    // Signed off last: a heartbeat or batch after it would make the agent look alive (or take the lease) again.
    await this.heartbeating;
    if (this.started) {
      try {
        await this.options.client.signOff();
      } catch (error) {
        // The tenant then sees the agent offline once its heartbeats are missed.
        this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'signing off at the tenant failed');
      }
    }
  }

  /** The intervals and when each periodic cycle runs next (reported with every heartbeat). */
  schedule(now = Date.now()): AgentSchedule {
    const next = (name: 'delta' | 'password' | 'reconcile', ms: number): number | null => {
      const start = this.timerStarts.get(name);
      if (start === undefined || ms <= 0) return null;
      return start + Math.max(1, Math.ceil((now - start) / ms)) * ms;
    };
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const nextDelta = next('delta', this.intervals.deltaMs);
    // The delta timer runs a full cycle once fullMs has passed since the last full one.
    let nextFull: number | null = null;
    if (nextDelta !== null) {
      const due = this.lastFull + this.intervals.fullMs;
      nextFull = nextDelta >= due ? nextDelta : nextDelta + Math.ceil((due - nextDelta) / this.intervals.deltaMs) * this.intervals.deltaMs;
    }
    return {
      heartbeatMs: this.intervals.heartbeatMs,
      deltaMs: this.intervals.deltaMs,
      fullMs: this.intervals.fullMs,
      passwordMs: this.intervals.passwordMs,
      passwordReconcileMs: this.intervals.passwordReconcileMs,
      nextDeltaAt: iso(nextDelta),
      nextFullAt: iso(nextFull),
      nextPasswordAt: iso(next('password', this.intervals.passwordMs)),
      nextPasswordReconcileAt: iso(next('reconcile', this.intervals.passwordReconcileMs)),
    };
  }

  /** Asks for a directory cycle; joins the pending one if there is one (a full covers a delta). */
  syncDirectory(mode: 'full' | 'delta', extra: { dryRun?: boolean; allowDeletes?: boolean; onProgress?: (p: CycleProgress) => void } = {}): Promise<DirectoryCycleResult | null> {
    if (this.stopped) return Promise.resolve(null);
    const { dryRun, ...rest } = extra;
    return (dryRun ? this.previews : this.directory).request({ mode, ...rest });
  }

  /** Asks for a password cycle (when password sync is enabled); joins the pending one if there is one. */
  syncPasswords(mode: PasswordMode): Promise<PasswordCycleResult | null> {
    if (this.stopped) return Promise.resolve(null);
    return this.passwords.request(mode);
  }

  /** The running password cycle's progress (null when none runs): shown by the CLI and, through heartbeats, the admin center. */
  get currentPasswordProgress(): PasswordProgressView | null {
    return this.passwordProgress;
  }

  private async runDirectory(request: DirectoryRequest, dryRun: boolean): Promise<DirectoryCycleResult | null> {
    const settings = this.settings;
    if (!settings || !settings.active || (!settings.directorySyncEnabled && !dryRun)) return null;
    // What the last cycles exported is what a full read should find: the "of how many" of its progress.
    const expected = this.options.state.exports.count();
    const startedAt = new Date();
    const track = (p: CycleProgress) => {
      if (!dryRun) this.setDirectoryProgress(p.phase === 'done' ? null : { mode: request.mode, startedAt, expected: expected > 0 ? expected : null, ...p });
      request.onProgress?.(p);
    };
    if (!dryRun) this.setDirectoryProgress({ mode: request.mode, startedAt, expected: expected > 0 ? expected : null, phase: 'reading', read: 0, exported: 0, errors: 0 });
    const result = await runDirectoryCycle(this.options.source, this.options.state.exports, this.options.client, {
      mode: request.mode,
      mapping: this.options.mapping,
      deleteThreshold: settings.deleteThreshold,
      deleteThresholdPercent: settings.deleteThresholdPercent,
      // An admin running `dirbridge sync --allow-deletes` on the agent host allows this one cycle.
      allowedDeletes: request.allowDeletes ? Number.MAX_SAFE_INTEGER : settings.allowedDeletes,
      dryRun,
      onProgress: track,
    }).finally(() => { if (!dryRun) this.setDirectoryProgress(null); });
    if (dryRun) return result;
    if (result.mode === 'full' && !result.failure) this.lastFull = Date.now();
    this.log('directory', result);
    await this.report('directory', result, result.pendingDeletes);
    // Users exported for the first time get their password in the next password cycle, now (when
    // the loops run; a single cycle on demand, `dirbridge sync`, runs its password cycle itself).
    if (this.started && this.options.state.exports.passwordPendingMark() > 0 && settings.passwordSyncEnabled) void this.syncPasswords('delta');
    return result;
  }

  private async runPasswords(mode: PasswordMode): Promise<PasswordCycleResult | null> {
    const settings = this.settings;
    if (!settings || !settings.active || !settings.passwordSyncEnabled) return null;
    try {
      const result = await runPasswordCycle(this.options.passwordSource ?? this.options.source, this.options.state.exports, this.options.state.passwords, this.options.client, this.options.deriver, {
        mode,
        flavor: this.options.mapping.flavor,
        kdfParams: settings.kdfParams,
        fingerprintKey: this.options.state.fingerprintKey(),
        onProgress: (p) => this.setPasswordProgress(p),
      });
      // Stopped mid-cycle (derivations cancelled): not a failure worth reporting; the next start resumes.
      if (this.stopped) return null;
      this.log('password', result);
      await this.report('password', result);
      return result;
    } finally {
      this.setPasswordProgress(null);
    }
  }

  private setPasswordProgress(progress: PasswordProgress | null): void {
    this.progressSent = false;
    if (!progress) {
      this.passwordProgress = null;
      return;
    }
    const elapsed = (Date.now() - progress.startedAt.getTime()) / 1000;
    const remaining = Math.max(0, progress.total - progress.processed);
    // Estimated from the pace so far, once there is one to go by; a delta's size is not known ahead.
    const etaSeconds = progress.mode === 'full' && progress.processed > 0 && elapsed >= 1 ? Math.round((remaining * elapsed) / progress.processed) : null;
    this.passwordProgress = {
      mode: progress.mode, startedAt: progress.startedAt.toISOString(), processed: progress.processed, total: progress.total, derived: progress.derived, etaSeconds,
    };
  }

  /** The running directory cycle's progress (null when none runs), sent with the heartbeats. */
  get currentDirectoryProgress(): DirectoryProgressView | null {
    return this.directoryProgress;
  }

  private setDirectoryProgress(progress: (CycleProgress & { mode: 'full' | 'delta'; startedAt: Date; expected: number | null }) | null): void {
    this.directoryProgressSent = false;
    if (!progress) {
      this.directoryProgress = null;
      return;
    }
    const elapsed = (Date.now() - progress.startedAt.getTime()) / 1000;
    // Only a full read has a size to go by: a delta reads what changed, however little.
    const etaSeconds = progress.mode === 'full' && progress.expected !== null && progress.read > 0 && elapsed >= 1 && progress.phase === 'reading'
      ? Math.round((Math.max(0, progress.expected - progress.read) * elapsed) / progress.read) : null;
    this.directoryProgress = {
      mode: progress.mode, startedAt: progress.startedAt.toISOString(), phase: progress.phase, read: progress.read,
      expected: progress.mode === 'full' ? progress.expected : null, exported: progress.exported, errors: progress.errors, etaSeconds,
    };
  }

  private heartbeat(): Promise<void> {
    if (this.stopped && this.started) return Promise.resolve();
    this.heartbeating ??= this.beat().finally(() => { this.heartbeating = null; });
    return this.heartbeating;
  }

  private async beat(): Promise<void> {
    try {
      const previous = this.settings;
      const progress = this.passwordProgress;
      const sendProgress = !this.progressSent || progress !== null;
      const directoryProgress = this.directoryProgress;
      const sendDirectoryProgress = !this.directoryProgressSent || directoryProgress !== null;
      this.settings = await this.options.client.heartbeat({
        host: this.options.host,
        version: this.options.version,
        source: this.options.source.description,
        sourceFlavor: this.options.source.flavor,
        ...(this.options.syncAccount ? { syncAccount: this.options.syncAccount } : {}),
        ...(this.options.tlsVerificationDisabled ? { tlsVerificationDisabled: true } : {}),
        ...(sendProgress ? { passwordProgress: progress } : {}),
        ...(sendDirectoryProgress ? { directoryProgress } : {}),
        ...(this.options.cleartextLinks?.length ? { cleartextLinks: [...this.options.cleartextLinks] } : {}),
        ...(this.started ? { schedule: this.schedule() } : {}),
      });
      if (sendProgress && progress === this.passwordProgress) this.progressSent = true;
      if (sendDirectoryProgress && directoryProgress === this.directoryProgress) this.directoryProgressSent = true;
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
      if (previous && JSON.stringify(previous.kdfParams) !== JSON.stringify(this.settings.kdfParams) && this.settings.passwordSyncEnabled) {
        // New KDF cost: every verifier is derived again, which a delta (reading only changed entries) would not do.
        void this.syncPasswords('full');
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
      const reconcile = this.settings.passwordReconcileRequestedAt;
      if (reconcile && this.settings.active && reconcile !== this.options.state.getMeta(RECONCILE_ANSWERED)) {
        // An admin asked for a password reconciliation now (admin center or API).
        this.options.state.setMeta(RECONCILE_ANSWERED, reconcile);
        if (this.settings.passwordSyncEnabled) void this.syncPasswords('full');
      }
      const syncRequest = this.settings.syncRequest;
      if (syncRequest && this.started && syncRequest.requestedAt === this.options.state.getMeta(SYNC_REQUEST_TAKEN) && syncRequest.requestedAt !== this.answeringSyncRequest) {
        // Taken by an earlier run of this agent that died before it finished: closed, not re-run. A cycle
        // that killed the agent would kill it again in a loop; the admin sees "interrupted" and can ask again,
        // and the cycles this agent runs at start-up already catch up on what the killed one left.
        this.options.logger.warn({ requestedAt: syncRequest.requestedAt }, 'a requested sync was interrupted by a restart of this agent; closing it');
        this.answeringSyncRequest = syncRequest.requestedAt;
        void this.options.client.reportSyncRequest({ state: 'done', requestedAt: syncRequest.requestedAt, runId: null, outcome: 'interrupted' })
          .catch((error: unknown) => {
            this.answeringSyncRequest = null;
            this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'reporting the interrupted sync to the tenant failed');
          });
      } else if (syncRequest && this.settings.active && this.started && syncRequest.requestedAt !== this.options.state.getMeta(SYNC_REQUEST_TAKEN)) {
        this.options.state.setMeta(SYNC_REQUEST_TAKEN, syncRequest.requestedAt);
        this.answeringSyncRequest = syncRequest.requestedAt;
        void this.answerSyncRequest(syncRequest.requestedAt, syncRequest.mode);
      }
      const preview = this.settings.previewRequestedAt;
      if (preview && preview !== this.answeredPreview && this.settings.active) {
        this.answeredPreview = preview;
        void this.answerPreview(preview);
      }
    } catch (error) {
      this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'heartbeat to the tenant failed');
    }
  }

  /** An admin chose "Sync now": a directory cycle of the mode asked for, then a password cycle, reported running, then done. */
  private async answerSyncRequest(requestedAt: string, mode: 'full' | 'delta'): Promise<void> {
    const tell = async (report: Parameters<TenantClient['reportSyncRequest']>[0]) => {
      try {
        await this.options.client.reportSyncRequest(report);
      } catch (error) {
        this.options.logger.warn({ code: isAppError(error) ? error.code : undefined, err: describe(error) }, 'reporting the requested sync to the tenant failed');
      }
    };
    this.options.logger.info({ mode }, 'an admin asked for a sync now');
    await tell({ state: 'running', requestedAt });
    const result = await this.syncDirectory(mode);
    if (result && !result.failure && this.settings?.passwordSyncEnabled) await this.syncPasswords('delta');
    if (this.stopped && !result) return;
    await tell({ state: 'done', requestedAt, runId: result?.runId ?? null, outcome: result?.outcome ?? 'skipped' });
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
          errorParams: result.failure && result.failure.code !== 'DELETE_THRESHOLD_EXCEEDED' ? result.failure.params ?? null : null,
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
      // Independent: a password change need not wait for the directory delta, nor the other way round.
      void this.syncDirectory('delta');
      void this.syncPasswords('persist');
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
        errorParams: result.failure?.params ?? null,
        objectErrors: result.errors,
        ...(pendingDeletes ? { pendingDeletes } : {}),
        ...('heldDeletes' in result && result.heldDeletes.length > 0 ? { heldDeletes: result.heldDeletes } : {}),
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

  private every(ms: number, task: () => Promise<unknown>): void {
    this.timers.push(setInterval(() => { void task(); }, ms));
  }
}

/** Error text for logs: the message and code only (causes may carry request bodies). */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
