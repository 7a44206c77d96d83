/**
 * Loads the configuration: defaults < file (YAML or JSON) < environment < command-line flags.
 * Validation errors name the bad key, so an admin can fix it without reading code.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
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
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new AppError('CONFIG_INVALID', {
      message: `The configuration is invalid${file ? ` (${file})` : ''}: ${problems.join('; ')}.`,
      details: { problems },
    });
  }
  return result.data;
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
    out[key] = isPlain(value) && isPlain(current) ? deepMerge(current, value) : value;
  }
  return out;
}

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
