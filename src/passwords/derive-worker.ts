/** Worker side of the password pool: one derivation or sign-in check per message (see derive-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../shared/errors.js';
import { verifyAdminPassword } from './admin-password.js';
import { checkPassword, deriveVerifier } from './verifier.js';
import type { DeriveRequest, DeriveResponse } from './derive-pool.js';

const port = parentPort;
if (!port) throw new Error('derive-worker must run in a worker thread');

async function perform(request: DeriveRequest): Promise<Omit<DeriveResponse, 'id'>> {
  switch (request.kind) {
    case 'derive': {
      const source = { scheme: request.source.scheme, params: request.source.params, digest: Buffer.from(request.source.digest) };
      return { verifier: await deriveVerifier(source, request.kdf) };
    }
    case 'check':
      return { ok: await checkPassword(request.password, request.verifiers) };
    case 'verify-admin':
      return { ok: await verifyAdminPassword(request.password, request.encoded) };
  }
}

port.on('message', (request: DeriveRequest) => {
  perform(request).then(
    (outcome) => port.postMessage({ id: request.id, ...outcome } satisfies DeriveResponse),
    (error: unknown) => {
      const failure = isAppError(error)
        ? { code: error.code, message: error.message, details: error.details }
        : { message: error instanceof Error ? error.message : String(error) };
      port.postMessage({ id: request.id, error: failure } satisfies DeriveResponse);
    },
  );
});
