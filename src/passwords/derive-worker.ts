/** Worker side of the derivation pool: derives one verifier per message (see derive-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../shared/errors.js';
import { deriveVerifier } from './verifier.js';
import type { DeriveRequest, DeriveResponse } from './derive-pool.js';

const port = parentPort;
if (!port) throw new Error('derive-worker must run in a worker thread');

port.on('message', (request: DeriveRequest) => {
  const source = { scheme: request.source.scheme, params: request.source.params, digest: Buffer.from(request.source.digest) };
  deriveVerifier(source, request.kdf).then(
    (verifier) => port.postMessage({ id: request.id, verifier } satisfies DeriveResponse),
    (error: unknown) => {
      const failure = isAppError(error)
        ? { code: error.code, message: error.message, details: error.details }
        : { message: error instanceof Error ? error.message : String(error) };
      port.postMessage({ id: request.id, error: failure } satisfies DeriveResponse);
    },
  );
});
