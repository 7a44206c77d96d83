/**
 * The OpenAPI 3.1 document, generated from the same route table that registers the routes and
 * from the contract's zod schemas (zod 4 `z.toJSONSchema`), so it lists exactly what is served.
 */
import { z } from 'zod';
import { ERRORS } from '../../shared/errors.js';
import type { RouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function queryParameters(schema: z.ZodType): Array<Record<string, unknown>> {
  const json = toSchema(schema, 'input');
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: required.has(name), schema: property }));
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERRORS) },
        message: { type: 'string' },
        hint: { type: 'string' },
        details: { type: 'object' },
        /** The message's facts by name, for the code's template in the reader's language. */
        params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
      },
    },
  },
};

function security(spec: RouteSpec): Array<Record<string, string[]>> | undefined {
  if (spec.auth === 'agent') return [{ agentCredential: [] }];
  if (spec.auth === 'admin' || spec.auth === 'global_admin') return [{ adminSession: [] }];
  return undefined;
}

export function buildOpenApiDocument(specs: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Record<string, unknown> = {
      operationId: `${spec.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.auth === 'global_admin' ? { description: 'Requires the global_admin role and the x-csrf-token header.' } : {}),
      ...(security(spec) ? { security: security(spec) } : {}),
      // Who may call it (none, agent, admin, global_admin): the security suite checks every route against it.
      'x-dirbridge-auth': spec.auth,
      ...(spec.query ? { parameters: queryParameters(spec.query) } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(spec.body, 'input') } } } } : {}),
      responses: {
        [String(spec.status ?? 200)]: { description: 'Success', ...(spec.status === 204 ? {} : { content: { [spec.produces ?? 'application/json']: {} } }) },
        default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
      },
    };
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'dirbridge tenant API', version, description: 'Agent, admin and sign-in API of the dirbridge tenant service. Errors are { error: { code, message, hint, details?, params? } }.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        agentCredential: { type: 'http', scheme: 'bearer', description: 'The agent credential <agentId>.<secret> from /api/v1/agent/register.' },
        adminSession: { type: 'apiKey', in: 'cookie', name: 'dirbridge_session', description: 'Session cookie from /api/v1/auth/sign-in; changes also need the x-csrf-token header.' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

export function openApiRoute(getSpecs: () => readonly RouteSpec[], version: string): RouteSpec {
  let cached: Record<string, unknown> | null = null;
  return {
    method: 'GET', url: '/api/v1/openapi.json', tag: 'operations', auth: 'none',
    summary: 'This OpenAPI document.',
    handler: async () => (cached ??= buildOpenApiDocument(getSpecs(), version)),
  };
}
