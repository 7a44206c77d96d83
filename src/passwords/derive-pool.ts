/**
 * A worker_threads pool for verifier derivation. scrypt at production cost takes tens of
 * milliseconds; a full sync of 100,000 users would otherwise hold one core for minutes.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, ERRORS, type ErrorCode } from '../shared/errors.js';
import type { SourceHash } from './schemes.js';
import type { KdfParams, PasswordVerifier } from './verifier-model.js';

/** @internal message to the worker */
export interface DeriveRequest {
  id: number;
  source: { scheme: string; params: Record<string, string | number>; digest: Uint8Array };
  kdf: KdfParams;
}

/** @internal message from the worker */
export interface DeriveResponse {
  id: number;
  verifier?: PasswordVerifier;
  error?: { code?: string; message: string; details?: Record<string, unknown> };
}

export interface DerivationPool {
  readonly size: number;
  derive(source: SourceHash, kdf: KdfParams): Promise<PasswordVerifier>;
  /** Ends the workers; derivations still queued or running are rejected. */
  close(): Promise<void>;
}

interface Task {
  request: DeriveRequest;
  resolve: (verifier: PasswordVerifier) => void;
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
  const workerCount = Math.max(1, Math.floor(size));
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
      if (response.verifier) task.resolve(response.verifier);
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

  return {
    size: workerCount,
    derive(source, kdf) {
      if (closed) return Promise.reject(new Error('The derivation pool is closed.'));
      // Workers start on first use so an agent without password sync costs no threads.
      while (slots.length < workerCount) slots.push(startSlot());
      return new Promise<PasswordVerifier>((resolve, reject) => {
        const request: DeriveRequest = {
          id: nextId++,
          source: { scheme: source.scheme, params: { ...source.params }, digest: new Uint8Array(source.digest) },
          kdf: { ...kdf },
        };
        queue.push({ request, resolve, reject });
        dispatch();
      });
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
