/**
 * Loads the configuration: defaults < file (YAML or JSON) < environment < command-line flags.
 * Validation errors name the bad key, so an admin can fix it without reading code.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { configSchema, type DirbridgeConfig } from './schema.js';

type Plain = Record<string, unknown>;

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from flags, as a partial config tree. */
  overrides?: Plain;
}

export function loadConfig(options: LoadOptions = {}): DirbridgeConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.DIRBRIDGE_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const merged = deepMerge(deepMerge(fromFile, fromEnv(env)), options.overrides ?? {});
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, merged));
    throw new AppError('CONFIG_INVALID', {
      message: `The configuration is invalid${file ? ` (${file})` : ''}: ${problems.join('; ')}.`,
      details: { problems },
    });
  }
  return result.data;
}

type Issue = z.core.$ZodIssue;

/** One line per problem; an unknown key is named with its full path and the nearest known key. */
function describeIssue(issue: Issue, input: Plain): string[] {
  const at = pathText(issue.path);
  if (issue.code !== 'unrecognized_keys') return [`${at || '(root)'}: ${issue.message}`];
  const known = knownKeysAt(configSchema, issue.path, input);
  return issue.keys.map((key) => {
    const full = at ? `${at}.${key}` : key;
    const near = nearest(key, known);
    return `${full}: unknown key${near ? ` (did you mean ${at ? `${at}.` : ''}${near}?)` : ''}${known.length > 0 ? `; known keys here: ${known.join(', ')}` : ''}`;
  });
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}

/** The keys the schema knows at `path` (for a discriminated union: of the option the input's `type` names). */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, input: unknown): string[] {
  let node: z.ZodType | undefined = schema;
  let value: unknown = input;
  for (let i = 0; ; i++) {
    node = unwrap(node, value);
    if (!node) return [];
    if (i === path.length) break;
    const key = path[i]!;
    value = isPlain(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(key)];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let current = node;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else if (current instanceof z.ZodDiscriminatedUnion) {
      const type = isPlain(value) ? value.type : undefined;
      current = (current.options as z.ZodType[]).find((option) => option instanceof z.ZodObject && isLiteralOf(option.shape.type, type));
    } else return current;
  }
}

function isLiteralOf(schema: unknown, value: unknown): boolean {
  return schema instanceof z.ZodLiteral && schema.values.has(value as never);
}

/** The known key closest to `key` by edit distance, if close enough to be a typo. */
export function nearest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  // A third of the length, at least 2: "fliter" -> "filter", "baseDn" -> "baseDns", not "x" -> "host".
  return best !== null && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters counts once. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { message: `The config file ${path} cannot be read.`, hint: 'Check the path given with --config or DIRBRIDGE_CONFIG.', cause });
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Plain;
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { message: `The config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message}`, cause });
  }
}

function fromEnv(env: NodeJS.ProcessEnv): Plain {
  const tenant: Plain = {};
  const agent: Plain = {};
  if (env.DIRBRIDGE_PORT !== undefined) tenant.port = numberFromEnv('DIRBRIDGE_PORT', env.DIRBRIDGE_PORT);
  if (env.DIRBRIDGE_HOST) tenant.host = env.DIRBRIDGE_HOST;
  if (env.DIRBRIDGE_DATA_DIR) tenant.dataDir = env.DIRBRIDGE_DATA_DIR;
  if (env.DATABASE_URL) tenant.databaseUrl = env.DATABASE_URL;
  if (env.DIRBRIDGE_INITIAL_ADMIN_PASSWORD) tenant.initialAdminPassword = env.DIRBRIDGE_INITIAL_ADMIN_PASSWORD;
  if (env.DIRBRIDGE_PUBLIC_URL) tenant.publicUrl = env.DIRBRIDGE_PUBLIC_URL;
  if (env.DIRBRIDGE_TRUST_PROXY) tenant.trustProxy = listFromEnv(env.DIRBRIDGE_TRUST_PROXY);
  if (env.DIRBRIDGE_TENANT_URL) agent.tenantUrl = env.DIRBRIDGE_TENANT_URL;
  if (env.DIRBRIDGE_REGISTRATION_TOKEN) agent.registrationToken = env.DIRBRIDGE_REGISTRATION_TOKEN;
  // Only sections that got a value: an empty one would replace (and hide) a bad value of the file.
  return { ...(Object.keys(tenant).length > 0 ? { tenant } : {}), ...(Object.keys(agent).length > 0 ? { agent } : {}) };
}

function listFromEnv(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function numberFromEnv(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new AppError('CONFIG_INVALID', { message: `${name} must be a whole number, not "${value}".` });
  return n;
}

export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    // A section of another `type` (an LDIF source given by flag over the file's LDAP source) replaces it whole.
    const sameKind = isPlain(value) && isPlain(current) && (value.type === undefined || current.type === undefined || value.type === current.type);
    out[key] = sameKind ? deepMerge(current as Plain, value as Plain) : value;
  }
  return out;
}

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
