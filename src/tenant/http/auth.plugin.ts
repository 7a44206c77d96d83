/**
 * Who is calling: agents by bearer credential `<agentId>.<secret>`, admins by the session cookie
 * (plus the CSRF header on every change). Secrets are high-entropy random values, so the store
 * keeps their sha256 and compares in constant time; a slow KDF would buy nothing here.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/ids.js';
import type { Role } from '../api/contract.js';
import type { AgentRecord, TenantRepository } from '../store/ports.js';
import type { AuthGuards } from './route.js';

export const SESSION_COOKIE = 'dirbridge_session';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface AdminPrincipal {
  id: string;
  username: string;
  role: Role;
  csrfToken: string;
  sessionIdHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    agent?: AgentRecord;
    admin?: AdminPrincipal;
  }
}

/** Constant-time string equality (length differences leak only the length). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function parseAgentCredential(credential: string): { agentId: string; secret: string } | null {
  const dot = credential.indexOf('.');
  if (dot <= 0 || dot === credential.length - 1) return null;
  return { agentId: credential.slice(0, dot), secret: credential.slice(dot + 1) };
}

function bearer(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

const ABSENT_HASH = sha256Hex('no agent has this credential');

export function requireAgentOf(repo: TenantRepository): preHandlerAsyncHookHandler {
  return async (req) => {
    const token = bearer(req);
    const parsed = token ? parseAgentCredential(token) : null;
    if (!parsed || parsed.agentId.length > 128) throw new AppError('AGENT_CREDENTIAL_INVALID');
    const agent = await repo.findAgent(parsed.agentId);
    // Compare even when the agent is unknown, so the answer time does not tell which ids exist.
    const matches = safeEqual(sha256Hex(parsed.secret), agent?.credentialHash ?? ABSENT_HASH);
    if (!agent || !matches) throw new AppError('AGENT_CREDENTIAL_INVALID');
    req.agent = agent;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function loadAdmin(repo: TenantRepository, req: FastifyRequest, now: Date): Promise<AdminPrincipal | null> {
  const token = req.cookies[SESSION_COOKIE];
  if (!token) return null;
  const idHash = sha256Hex(token);
  const session = await repo.findSession(idHash, now);
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  const admin = await repo.findAdminById(session.adminId);
  if (!admin) return null;
  return { id: admin.id, username: admin.username, role: admin.role, csrfToken: session.csrfToken, sessionIdHash: idHash };
}

export function requireAdminOf(repo: TenantRepository, clock: Clock, role: Role | null): preHandlerAsyncHookHandler {
  return async (req) => {
    const admin = await loadAdmin(repo, req, clock.now());
    if (!admin) throw new AppError('AUTH_REQUIRED');
    if (!SAFE_METHODS.has(req.method)) {
      // SameSite=Strict already keeps other sites' requests cookie-less; the token is the second lock.
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, admin.csrfToken)) throw new AppError('CSRF_INVALID');
    }
    if (role === 'global_admin' && admin.role !== 'global_admin') throw new AppError('AUTH_FORBIDDEN');
    req.admin = admin;
  };
}

export function createAuthGuards(repo: TenantRepository, clock: Clock): AuthGuards {
  return {
    none: undefined,
    agent: requireAgentOf(repo),
    admin: requireAdminOf(repo, clock, null),
    global_admin: requireAdminOf(repo, clock, 'global_admin'),
  };
}

/** The admin of a guarded route (the guard guarantees it). */
export function adminOf(req: FastifyRequest): AdminPrincipal {
  if (!req.admin) throw new AppError('AUTH_REQUIRED');
  return req.admin;
}

export function agentOf(req: FastifyRequest): AgentRecord {
  if (!req.agent) throw new AppError('AGENT_CREDENTIAL_INVALID');
  return req.agent;
}
