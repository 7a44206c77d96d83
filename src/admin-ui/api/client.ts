/**
 * The admin center's only door to the tenant API: same-origin cookie session, the CSRF token on
 * every change, and every failure turned into an ApiError with the server's code, message and hint.
 */
import { checkErrorParams, type ErrorParams } from '../../shared/error-params.js';

export class ApiError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** The message's facts by name, for the code's template in the admin's language. */
  readonly params: ErrorParams | undefined;

  constructor(status: number, code: string, message: string, hint: string, details?: Record<string, unknown>, params?: ErrorParams) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.details = details;
    this.params = params;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401 AUTH_REQUIRED (the session ended): show the sign-in page. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function apiRequest<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'NETWORK', 'The tenant service cannot be reached.', 'Check that the tenant service is running and your network connection works, then try again.');
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const error = readError(parsed);
    if (error) {
      if (response.status === 401 && error.code === 'AUTH_REQUIRED') onUnauthorized?.();
      throw new ApiError(response.status, error.code, error.message, error.hint, error.details, error.params);
    }
    throw new ApiError(response.status, 'INTERNAL_ERROR', `The tenant service answered ${response.status} ${response.statusText}.`, 'Try again; if it persists, look at the tenant service log.');
  }
  return parsed as T;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readError(body: unknown): { code: string; message: string; hint: string; details?: Record<string, unknown>; params?: ErrorParams } | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, hint, details, params } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return {
    code,
    message,
    hint: typeof hint === 'string' ? hint : '',
    ...(typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {}),
    ...(checkErrorParams(params) === null ? { params: params as ErrorParams } : {}),
  };
}

/** Builds `path?a=1&b=x`, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
