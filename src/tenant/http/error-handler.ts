/**
 * Every failure leaves as `{ error: { code, message, hint, details?, params? } }` with the registry's
 * status. Anything that is not an exposed AppError is answered as INTERNAL_ERROR and logged with
 * the request id; its cause never reaches the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, toPublicError } from '../../shared/errors.js';
import type { RateLimitedWarning } from '../../shared/rate-limited-log.js';
import { requestInvalid } from './route.js';

/** Fastify's own client errors (bad JSON, too large, wrong content type) in words a caller can act on. */
function fastifyClientError(error: FastifyError): AppError | null {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  const code = error.code ?? '';
  // Its own code (413): an agent splits a batch refused as too large and sends it again.
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('REQUEST_TOO_LARGE', { details: { in: 'body', reason: code } });
  // Each with a form, so the admin center says it in the admin's language too.
  let message = 'The request cannot be read.';
  let form = 'unreadable';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') [message, form] = ['The request has a content type this endpoint does not accept; send application/json.', 'mediaType'];
  else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') [message, form] = ['The request body is empty but its content type is application/json.', 'emptyJson'];
  else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError || /JSON/i.test(error.message)) [message, form] = ['The request body is not valid JSON.', 'notJson'];
  return new AppError('REQUEST_INVALID', { message, details: { in: 'body', reason: code || 'unreadable' }, params: { form } });
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body = toPublicError(error);
  const status = error.expose ? error.status : 500;
  if ((error.code === 'SIGN_IN_LOCKED' || error.code === 'SIGN_IN_BUSY') && typeof error.details?.['retryAfterSeconds'] === 'number') {
    reply.header('retry-after', String(error.details['retryAfterSeconds']));
  }
  return reply.code(status).send({ error: body });
}

export interface ErrorHandlerOptions {
  /** Counts SIGN_IN_BUSY refusals: expected under load, so a rate-limited warning, not an error per request. */
  busyRefusals?: RateLimitedWarning | undefined;
}

export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((raw: unknown, req: FastifyRequest, reply: FastifyReply) => {
    let error: AppError | null = null;
    if (raw instanceof AppError) error = raw;
    else if (raw instanceof ZodError) error = requestInvalid(raw, 'body');
    else if (raw && typeof raw === 'object' && 'statusCode' in raw) error = fastifyClientError(raw as FastifyError);

    if (error && error.expose) {
      if (error.code === 'SIGN_IN_BUSY') options.busyRefusals?.note();
      else if (error.status >= 500) req.log.error({ err: raw, code: error.code }, 'request failed');
      return sendError(reply, error);
    }
    // Unexpected or private: log it whole (the logger redacts secrets), answer generically.
    req.log.error({ err: raw }, 'request failed with an internal error');
    return reply.code(error?.status && error.status >= 500 ? error.status : 500).send({ error: toPublicError(error ?? raw) });
  });
}
