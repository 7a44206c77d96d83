/**
 * fast-check arbitraries from a JSON Schema (what the OpenAPI document of the tenant carries for
 * each route's body and query): `validArbitrary` makes values of the right shape with edge values
 * (empty and longest strings, bounds of numbers, quotes and control characters), `invalidArbitrary`
 * mutates them (wrong types, one past a bound, a required key dropped, an unknown or `__proto__`
 * key added, one nested value broken). Covers what zod's `toJSONSchema` emits for our contracts.
 */
import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;

const MAX_DEPTH = 6;
/** Strings longer than this are not generated whole (a body limit would refuse them first). */
const LONGEST = 4096;

const tricky = ['', ' ', "'", '"', '\\', '\u0000', '%00', '../../etc/passwd', '*)(uid=*', "' OR '1'='1", '<script>', '\u202e', 'é', '😀', '__proto__', 'constructor', '{}', 'null'];

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as JsonSchema | undefined) ?? {};
}

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  if (Array.isArray(type)) return type as string[];
  if (typeof type === 'string') return [type];
  if (schema['properties']) return ['object'];
  return [];
}

function num(schema: JsonSchema, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' ? value : undefined;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const min = num(schema, 'minLength') ?? 0;
  const max = Math.min(num(schema, 'maxLength') ?? 256, LONGEST);
  const fits = (s: string) => s.length >= min && s.length <= max;
  const format = schema['format'];
  if (format === 'date-time') return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (format === 'email') return fc.emailAddress().filter(fits);
  if (format === 'uri' || format === 'url') return fc.webUrl().filter(fits);
  if (format === 'uuid') return fc.uuid();
  if (typeof schema['pattern'] === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema['pattern'])).filter(fits);
    } catch {
      // A pattern JavaScript cannot compile: plain strings below.
    }
  }
  const pad = (s: string) => (s.length >= min ? s : s + 'x'.repeat(min - s.length)).slice(0, max);
  return fc.oneof(
    fc.string({ minLength: min, maxLength: Math.min(max, min + 40) }),
    fc.string({ minLength: min, maxLength: Math.min(max, min + 20), unit: 'binary' }).filter(fits),
    fc.constantFrom(...tricky).map(pad).filter(fits),
    fc.constant('a'.repeat(min)),
    fc.constant('Z'.repeat(max)),
  );
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = num(schema, 'minimum') ?? (num(schema, 'exclusiveMinimum') ?? -(2 ** 31)) + (integer ? 1 : 0);
  const max = num(schema, 'maximum') ?? (num(schema, 'exclusiveMaximum') ?? 2 ** 31) - (integer ? 1 : 0);
  const safeMin = Math.max(min, Number.MIN_SAFE_INTEGER);
  const safeMax = Math.min(max, Number.MAX_SAFE_INTEGER);
  const edges = [safeMin, safeMax, 0, 1, -1].filter((n) => n >= safeMin && n <= safeMax);
  return fc.oneof(
    integer ? fc.integer({ min: Math.max(safeMin, -(2 ** 31)), max: Math.min(safeMax, 2 ** 31 - 1) }) : fc.double({ min: safeMin, max: safeMax, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(...edges),
  );
}

/** Values of the schema's shape, edge values included. */
export function validArbitrary(input: JsonSchema, root: JsonSchema = input, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input, root);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return fc.oneof(...(options as JsonSchema[]).map((o) => validArbitrary(o, root, depth + 1)));
  }
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) return validArbitrary({ ...schema, allOf: undefined, ...(schema['allOf'][0] as JsonSchema) }, root, depth + 1);
  const types = typesOf(schema);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string': return stringArbitrary(schema);
      case 'integer': return numberArbitrary(schema, true);
      case 'number': return numberArbitrary(schema, false);
      case 'boolean': return fc.boolean();
      case 'null': return fc.constant(null);
      case 'array': {
        const minItems = num(schema, 'minItems') ?? 0;
        const maxItems = Math.min(num(schema, 'maxItems') ?? 5, minItems + 3);
        return fc.array(validArbitrary((schema['items'] as JsonSchema | undefined) ?? {}, root, depth + 1), { minLength: minItems, maxLength: maxItems });
      }
      case 'object': {
        const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
        const required = (schema['required'] ?? []) as string[];
        if (Object.keys(properties).length === 0) {
          const extra = schema['additionalProperties'];
          return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), typeof extra === 'object' && extra !== null ? validArbitrary(extra as JsonSchema, root, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
        }
        return fc.record(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, validArbitrary(value, root, depth + 1)])), { requiredKeys: required.filter((k) => k in properties) });
      }
      default: return fc.jsonValue({ maxDepth: 1 });
    }
  }));
}

/** A value of another JSON type than any the schema allows. */
function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = new Set(typesOf(schema));
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', fc.string({ maxLength: 20 })],
    ['integer', fc.integer()],
    ['number', fc.constantFrom(1.5, -0.5, 1e308, -1e308)],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
    ['object', fc.object({ maxDepth: 1, maxKeys: 3 })],
  ];
  const others = all.filter(([type]) => !types.has(type) && !(type === 'integer' && types.has('number'))).map(([, arb]) => arb);
  return others.length > 0 ? fc.oneof(...others) : fc.constant(undefined);
}

/** Values that break the schema in one place (mostly: a mutated value may happen to still fit). */
export function invalidArbitrary(input: JsonSchema, root: JsonSchema = input, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input, root);
  if (depth > MAX_DEPTH) return wrongType(schema);
  const broken: Array<fc.Arbitrary<unknown>> = [wrongType(schema)];
  if ('const' in schema || Array.isArray(schema['enum'])) broken.push(fc.constantFrom('not-one-of-them', 'NULL', ''));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) broken.push(fc.oneof(...(options as JsonSchema[]).map((o) => invalidArbitrary(o, root, depth + 1))));
  }
  const types = typesOf(schema);
  if (types.includes('string')) {
    const min = num(schema, 'minLength');
    const max = num(schema, 'maxLength');
    if (min !== undefined && min > 0) broken.push(fc.constant('x'.repeat(min - 1)));
    if (max !== undefined && max < LONGEST * 16) broken.push(fc.constant('y'.repeat(max + 1)));
    if (typeof schema['pattern'] === 'string' || schema['format']) broken.push(fc.constantFrom('\u0000', 'not a valid value', '2026-13-45T99:99:99Z', '\u00e9'.repeat(3)));
  }
  if (types.includes('integer') || types.includes('number')) {
    const min = num(schema, 'minimum');
    const max = num(schema, 'maximum');
    if (min !== undefined) broken.push(fc.constant(min - 1));
    if (max !== undefined) broken.push(fc.constant(max + 1));
    if (types.includes('integer')) broken.push(fc.constantFrom(0.5, 1e21, Number.MAX_SAFE_INTEGER + 2));
  }
  if (types.includes('array')) {
    const items = (schema['items'] as JsonSchema | undefined) ?? {};
    const maxItems = num(schema, 'maxItems');
    const minItems = num(schema, 'minItems');
    broken.push(fc.array(invalidArbitrary(items, root, depth + 1), { minLength: 1, maxLength: 3 }));
    if (maxItems !== undefined && maxItems <= 64) broken.push(fc.array(validArbitrary(items, root, depth + 1), { minLength: maxItems + 1, maxLength: maxItems + 1 }));
    if (minItems !== undefined && minItems > 0) broken.push(fc.constant([]));
  }
  if (types.includes('object')) {
    const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = ((schema['required'] ?? []) as string[]).filter((k) => k in properties);
    const valid = validArbitrary(schema, root, depth + 1) as fc.Arbitrary<Record<string, unknown>>;
    if (required.length > 0) {
      broken.push(fc.tuple(valid, fc.constantFrom(...required)).map(([value, key]) => {
        const { [key]: _dropped, ...rest } = value;
        return rest;
      }));
    }
    broken.push(fc.tuple(valid, fc.constantFrom('__proto__', 'constructor', 'unknownField', 'tenantId', 'role')).map(([value, key]) => {
      const copy: Record<string, unknown> = { ...value };
      Object.defineProperty(copy, key, { value: key === '__proto__' ? { polluted: true } : 'injected', enumerable: true, configurable: true, writable: true });
      return copy;
    }));
    const keys = Object.keys(properties);
    if (keys.length > 0) {
      broken.push(fc.constantFrom(...keys).chain((key) => fc.tuple(valid, invalidArbitrary(properties[key]!, root, depth + 1)).map(([value, bad]) => ({ ...value, [key]: bad }))));
    }
  }
  return fc.oneof(...broken);
}
