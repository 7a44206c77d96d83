/**
 * The route table: one entry both registers the Fastify route and describes it for the OpenAPI
 * document (openapi.ts), so the two cannot drift. Bodies and queries are validated with the zod
 * schemas of the contract after authentication, so an unknown caller learns nothing about shapes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../shared/errors.js';

export type RouteAuth = 'none' | 'agent' | 'admin' | 'global_admin';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteContext<B, Q> {
  req: FastifyRequest;
  reply: FastifyReply;
  body: B;
  query: Q;
}

export interface RouteSpec<B = unknown, Q = unknown> {
  method: HttpMethod;
  url: string;
  summary: string;
  tag: 'agent' | 'auth' | 'dirsync' | 'directory' | 'agents' | 'audit' | 'sign-in' | 'operations';
  auth: RouteAuth;
  body?: z.ZodType<B> | undefined;
  query?: z.ZodType<Q> | undefined;
  /** Bytes; the app's default is small (DEFAULT_BODY_LIMIT); agent batches raise it. */
  bodyLimit?: number | undefined;
  /** Status of a successful answer (default 200). */
  status?: number | undefined;
  /** Content type of a successful answer when not JSON. */
  produces?: string | undefined;
  handler(ctx: RouteContext<B, Q>): Promise<unknown>;
}

/** Declares a route; the generics are inferred from the schemas so handlers get typed input. */
export function route<B = undefined, Q = undefined>(spec: RouteSpec<B, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export type AuthGuards = Record<RouteAuth, onRequestAsyncHookHandler | undefined>;

const MAX_ISSUES = 20;

/** A zod failure as REQUEST_INVALID naming every bad field (path) and what is wrong with it. */
export function requestInvalid(error: z.ZodError, where: 'body' | 'query'): AppError {
  const fieldOf = (path: readonly PropertyKey[]) => (path.length === 0 ? `(${where})` : path.map(String).join('.'));
  // An unknown key is reported on its parent object; name the key itself instead.
  const issues = error.issues.slice(0, MAX_ISSUES).flatMap((issue) => issue.code === 'unrecognized_keys'
    ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'Unknown field' }))
    : [{ field: fieldOf(issue.path), message: issue.message }]);
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new AppError('REQUEST_INVALID', {
    message: `The request ${where} is invalid: ${summary}.`,
    details: { in: where, fields: [...new Set(issues.map((issue) => issue.field))], issues },
    params: { fields: [...new Set(issues.map((issue) => issue.field))].join(', ') },
  });
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query'): T {
  const result = schema.safeParse(value ?? (where === 'query' ? {} : undefined));
  if (!result.success) throw requestInvalid(result.error, where);
  return result.data;
}

export function registerRoutes(app: FastifyInstance, specs: readonly RouteSpec[], guards: AuthGuards): void {
  for (const spec of specs) {
    const guard = guards[spec.auth];
    app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      // Before the body is read (see createAuthGuards).
      ...(guard ? { onRequest: guard } : {}),
      handler: async (req, reply) => {
        const body = spec.body ? parse(spec.body, req.body, 'body') : undefined;
        const query = spec.query ? parse(spec.query, req.query, 'query') : undefined;
        const result = await spec.handler({ req, reply, body, query });
        if (reply.sent) return reply;
        reply.code(spec.status ?? 200);
        if (spec.produces) reply.type(spec.produces);
        return result === undefined ? reply.send() : result;
      },
    });
  }
}
