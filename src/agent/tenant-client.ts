/**
 * The agent's HTTP client of the tenant API. Requests that fail on the way (network, 502-504) are
 * retried with the same body, so a batch keeps its id and the tenant applies it at most once.
 */
import { AppError, ERRORS, type ErrorCode } from '../shared/errors.js';
import type { AgentCredentialRenewed } from '../tenant/api/credentials-contract.js';
import { HELD_DELETES_LISTED, type AgentSyncRequestReport } from '../tenant/api/dirsync-manage-contract.js';
import type { AgentHeartbeatRequest, AgentRegisterResponse, AgentSettings, BatchResult, CyclePreviewReport, SyncedObjectsPage, SyncedVerifiersPage, SyncRunReport } from '../tenant/api/contract.js';
import type { BatchOutcome, PasswordItem, TenantObjectRef, TenantSink } from '../sync/ports.js';
import type { ObjectChange } from '../sync/model.js';

export interface TenantClientOptions {
  tenantUrl: string;
  /** `<agentId>.<secret>`; sent only in the Authorization header. */
  credential?: string;
  /**
   * Persists a renewed credential before it is used (atomically: a crash leaves the old or the new
   * one, never half a file). Without it the client never renews.
   */
  saveCredential?: (credential: string) => void;
  retries?: number;
  timeoutMs?: number;
}

export class TenantClient implements TenantSink {
  private readonly base: string;
  private credential: string | undefined;
  private renewing: Promise<void> | null = null;

  constructor(private readonly options: TenantClientOptions) {
    this.base = options.tenantUrl.replace(/\/+$/, '');
    this.credential = options.credential;
  }

  /** `identity`: the id and secret hash the agent generated (and saved) itself, so a retry is recognised. */
  register(registrationToken: string, host: string, version: string, identity?: { agentId: string; credentialHash: string }): Promise<AgentRegisterResponse> {
    return this.request('POST', '/api/v1/agent/register', { registrationToken, host, version, ...identity }, false);
  }

  async heartbeat(info: AgentHeartbeatRequest): Promise<AgentSettings> {
    const settings = await this.request<AgentSettings>('POST', '/api/v1/agent/heartbeat', info);
    if (this.options.saveCredential && isDue(settings.credentialRenewAt)) await this.renewCredential();
    return settings;
  }

  /** Gets a new credential from the tenant, persists it, then uses it (one renewal at a time). */
  renewCredential(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        const renewed = await this.request<AgentCredentialRenewed>('POST', '/api/v1/agent/credential', undefined);
        // Saved before use: if saving fails, the old credential keeps working through the overlap.
        this.options.saveCredential?.(renewed.credential);
        this.credential = renewed.credential;
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  async pushObjects(batchId: string, changes: ObjectChange[]): Promise<BatchOutcome> {
    const result = await this.request<BatchResult>('POST', '/api/v1/agent/batches/objects', { batchId, changes });
    return result;
  }

  async pushPasswords(batchId: string, items: PasswordItem[]): Promise<BatchOutcome> {
    return this.request<BatchResult>('POST', '/api/v1/agent/batches/passwords', { batchId, items });
  }

  syncedObjects(): AsyncIterable<TenantObjectRef[]> {
    return this.pages<SyncedObjectsPage['items'][number]>('/api/v1/agent/objects');
  }

  syncedVerifiers(): AsyncIterable<SyncedVerifiersPage['items']> {
    return this.pages<SyncedVerifiersPage['items'][number]>('/api/v1/agent/verifiers');
  }

  private async *pages<T>(path: string): AsyncIterable<T[]> {
    let after = '';
    for (;;) {
      const page = await this.request<{ items: T[]; next: string | null }>('GET', `${path}?limit=5000&after=${encodeURIComponent(after)}`, undefined);
      if (page.items.length > 0) yield page.items;
      if (!page.next) return;
      after = page.next;
    }
  }

  async reportPreview(report: CyclePreviewReport): Promise<void> {
    await this.request('POST', '/api/v1/agent/preview', report);
  }

  /** Tells the tenant how far an admin's "Sync now" got (running, then done). */
  async reportSyncRequest(report: AgentSyncRequestReport): Promise<void> {
    await this.request('POST', '/api/v1/agent/sync-request', report);
  }

  /** A graceful stop: the tenant shows this agent as offline at once. One short try: a stop must not hang on it. */
  async signOff(timeoutMs = 3000): Promise<void> {
    await this.request('POST', '/api/v1/agent/sign-off', undefined, true, { retries: 0, timeoutMs });
  }

  async reportRun(report: Parameters<TenantSink['reportRun']>[0]): Promise<void> {
    const body: SyncRunReport = {
      runId: report.runId,
      kind: report.kind,
      mode: report.mode,
      startedAt: report.startedAt.toISOString(),
      finishedAt: report.finishedAt.toISOString(),
      outcome: report.outcome,
      counts: report.counts,
      errorCode: report.errorCode,
      errorMessage: report.errorMessage,
      ...(report.errorParams ? { errorParams: report.errorParams } : {}),
      objectErrors: report.objectErrors,
      ...(report.pendingDeletes !== undefined ? { pendingDeletes: report.pendingDeletes } : {}),
      ...(report.heldDeletes?.length ? { heldDeletes: report.heldDeletes.slice(0, HELD_DELETES_LISTED) } : {}),
    };
    await this.request('POST', '/api/v1/agent/runs', body);
  }

  private async request<T>(method: string, path: string, body: unknown, authenticated = true, override: { retries?: number; timeoutMs?: number } = {}): Promise<T> {
    const retries = override.retries ?? this.options.retries ?? 4;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(250 * 2 ** attempt, 5000));
      let response: Response;
      try {
        response = await fetch(this.base + path, {
          method,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...(authenticated && this.credential ? { authorization: `Bearer ${this.credential}` } : {}),
          },
          ...(payload === undefined ? {} : { body: payload }),
          signal: AbortSignal.timeout(override.timeoutMs ?? this.options.timeoutMs ?? 60_000),
        });
      } catch (cause) {
        lastError = cause;
        continue;
      }
      if (response.status >= 502 && response.status <= 504) {
        lastError = new Error(`HTTP ${response.status}`);
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw errorFromResponse(response.status, parseOrNull(text), path);
      return (text ? JSON.parse(text) : null) as T;
    }
    throw new AppError('TENANT_UNREACHABLE', { message: `The tenant service at ${this.base} did not answer ${method} ${path}.`, cause: lastError });
  }
}

/** An error body may come from a proxy (HTML) rather than the tenant: then only the status counts. */
function parseOrNull(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function errorFromResponse(status: number, body: unknown, path: string): AppError {
  const error = (body as { error?: { code?: string; message?: string; hint?: string; details?: Record<string, unknown> } } | null)?.error;
  // 413 from a proxy in front of the tenant (nginx client_max_body_size) as from the tenant itself.
  const fallback: ErrorCode = status === 413 ? 'REQUEST_TOO_LARGE' : status === 401 ? 'AGENT_CREDENTIAL_INVALID' : 'BATCH_INVALID';
  const code = error?.code && error.code in ERRORS ? (error.code as ErrorCode) : fallback;
  return new AppError(code, {
    message: error?.message ?? `The tenant service answered ${status} to ${path}.`,
    ...(error?.hint ? { hint: error.hint } : {}),
    ...(error?.details ? { details: error.details } : {}),
  });
}

/** A renewal is due at `renewAt`, or at once for a credential from before renewal existed. */
function isDue(renewAt: string | null | undefined): boolean {
  if (renewAt === undefined) return false;
  return renewAt === null || Date.parse(renewAt) <= Date.now();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
