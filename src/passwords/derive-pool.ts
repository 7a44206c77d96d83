/**
 * A worker_threads pool for every password computation: verifier derivation on the agent (scrypt
 * at production cost takes tens of milliseconds; a full sync of 100,000 users would otherwise
 * hold one core for minutes) and the sign-in checks of the tenant (source digest + KDF, and the
 * admin password hash), so a costly hash never blocks the event loop. A queue limit turns a flood
 * into quick SIGN_IN_BUSY refusals instead of an ever longer wait.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, ERRORS, refusalError, type ErrorCode } from '../shared/errors.js';
import type { SourceHash } from './schemes.js';
import type { KdfParams, PasswordVerifier } from './verifier-model.js';

/** @internal message to the worker */
export type DeriveRequest = { id: number } & (
  | { kind: 'derive'; source: { scheme: string; params: Record<string, string | number>; digest: Uint8Array }; kdf: KdfParams }
  | { kind: 'check'; password: string; verifiers: PasswordVerifier[] }
  | { kind: 'verify-admin'; password: string; encoded: string }
);

/** @internal message from the worker */
export interface DeriveResponse {
  id: number;
  verifier?: PasswordVerifier;
  ok?: boolean;
  error?: { code?: string; message: string; details?: Record<string, unknown> };
}

export interface DerivationPool {
  readonly size: number;
  derive(source: SourceHash, kdf: KdfParams): Promise<PasswordVerifier>;
  /** Ends the workers; work still queued or running is rejected. */
  close(): Promise<void>;
}

/** The sign-in side: checks that run in the workers. Both reject with SIGN_IN_BUSY when the queue is full. */
export interface PasswordPool extends DerivationPool {
  /** True when the password matches any of the verifiers (checkPassword in a worker). */
  check(password: string, verifiers: readonly PasswordVerifier[]): Promise<boolean>;
  /** verifyAdminPassword in a worker. */
  verifyAdmin(password: string, encoded: string): Promise<boolean>;
  /** True when a new check would be refused now: every worker busy and the queue at its limit. */
  isFull(): boolean;
}

/** The refusal of a full queue, without a stack: a flood makes one per request. */
export function signInBusyError(): AppError {
  return refusalError('SIGN_IN_BUSY', { details: { retryAfterSeconds: 1 } });
}

export interface PasswordPoolOptions {
  /** Worker threads (default: the machine's cores). */
  size?: number | undefined;
  /** Requests waiting for a worker beyond which new ones are refused with SIGN_IN_BUSY (default: no limit). */
  queueLimit?: number | undefined;
}

type Outcome = Pick<DeriveResponse, 'verifier' | 'ok'>;

interface Task {
  request: DeriveRequest;
  resolve: (outcome: Outcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/**
 * From dist/ the compiled derive-worker.js sits next to this file. Under vitest or tsx this file is
 * the .ts source, and a worker thread does not inherit their loader; on Node 20 `execArgv:
 * ['--import', 'tsx']` is not honoured in workers either, so derive-worker-tsx.mjs registers tsx's
 * hooks in the worker and then imports the .ts worker.
 */
function spawnWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./derive-worker.js', self));
  return new Worker(new URL('./derive-worker-tsx.mjs', self));
}

function toError(failure: NonNullable<DeriveResponse['error']>): Error {
  if (failure.code !== undefined && failure.code in ERRORS) {
    return new AppError(failure.code as ErrorCode, { message: failure.message, ...(failure.details ? { details: failure.details } : {}) });
  }
  return new Error(failure.message);
}

export function createDerivationPool(size: number = availableParallelism()): DerivationPool {
  return createPasswordPool({ size });
}

type RequestBody = DeriveRequest extends infer R ? (R extends DeriveRequest ? Omit<R, 'id'> : never) : never;

export function createPasswordPool(options: PasswordPoolOptions = {}): PasswordPool {
  const workerCount = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const queueLimit = options.queueLimit ?? Number.POSITIVE_INFINITY;
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;

  function startSlot(): Slot {
    const slot: Slot = { worker: spawnWorker(), task: undefined };
    slot.worker.on('message', (response: DeriveResponse) => {
      const task = slot.task;
      if (!task || task.request.id !== response.id) return;
      slot.task = undefined;
      if (response.verifier || response.ok !== undefined) task.resolve({ verifier: response.verifier, ok: response.ok });
      else task.reject(toError(response.error ?? { message: 'The derivation worker returned nothing.' }));
      dispatch();
    });
    const fail = (error: Error) => {
      const task = slot.task;
      slot.task = undefined;
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      task?.reject(error);
      if (!closed) {
        slots.push(startSlot());
        dispatch();
      }
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (slots.includes(slot)) fail(new Error(`The derivation worker stopped (exit code ${code}).`));
    });
    return slot;
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.task) continue;
      const task = queue.shift() as Task;
      slot.task = task;
      slot.worker.postMessage(task.request);
    }
  }

  function isFull(): boolean {
    // Workers not started yet count as idle (they start on first use).
    return slots.length >= workerCount && slots.every((slot) => slot.task) && queue.length >= queueLimit;
  }

  function run(body: RequestBody): Promise<Outcome> {
    if (closed) return Promise.reject(new Error('The derivation pool is closed.'));
    // Workers start on first use so an agent without password sync costs no threads.
    while (slots.length < workerCount) slots.push(startSlot());
    if (isFull()) return Promise.reject(signInBusyError());
    return new Promise<Outcome>((resolve, reject) => {
      queue.push({ request: { ...body, id: nextId++ } as DeriveRequest, resolve, reject });
      dispatch();
    });
  }

  return {
    size: workerCount,
    isFull,
    async derive(source, kdf) {
      const outcome = await run({
        kind: 'derive',
        source: { scheme: source.scheme, params: { ...source.params }, digest: new Uint8Array(source.digest) },
        kdf: { ...kdf },
      });
      if (!outcome.verifier) throw new Error('The derivation worker returned no verifier.');
      return outcome.verifier;
    },
    async check(password, verifiers) {
      return (await run({ kind: 'check', password, verifiers: [...verifiers] })).ok === true;
    },
    async verifyAdmin(password, encoded) {
      return (await run({ kind: 'verify-admin', password, encoded })).ok === true;
    },
    async close() {
      closed = true;
      const error = new Error('The derivation pool was closed.');
      for (const task of queue.splice(0)) task.reject(error);
      const running = slots.splice(0);
      for (const slot of running) slot.task?.reject(error);
      await Promise.all(running.map((slot) => slot.worker.terminate()));
    },
  };
}
