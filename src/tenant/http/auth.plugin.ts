/**
 * Who is calling: agents by bearer credential `<agentId>.<secret>`, admins by the session cookie
 * (plus the CSRF header on every change). Secrets are high-entropy random values, so the store
 * keeps their sha256 and compares in constant time; a slow KDF would buy nothing here.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/ids.js';
import type { Role } from '../api/contract.js';
import type { AgentRecord, TenantRepository } from '../store/ports.js';
import type { Deployment } from './deployment.js';
import type { AuthGuards } from './route.js';

export const CSRF_HEADER = 'x-csrf-token';
/** Absolute lifetime of an admin session, whatever the activity. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** An admin session without a request for this long ends (ASVS 3.3.2). */
export const SESSION_IDLE_MS = 30 * 60_000;
/** Activity is written at most this often per session, not on every request. */
const SESSION_TOUCH_MS = 60_000;
/** What an admin who must change their password may still call. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/v1/auth/me', '/api/v1/auth/password', '/api/v1/auth/sign-out']);

export interface AdminPrincipal {
  id: string;
  username: string;
  role: Role;
  csrfToken: string;
  sessionIdHash: string;
  mustChangePassword: boolean;
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

/**
 * The agent of a bearer credential: the current credential until it expires, or the one before
 * the last rotation during its short overlap (a rotation answer lost on the way). A revoked agent
 * is told so with its own code, after the secret matched (strangers learn nothing).
 */
export async function authenticateAgent(repo: TenantRepository, credential: string | null, now: Date): Promise<AgentRecord> {
  const parsed = credential ? parseAgentCredential(credential) : null;
  if (!parsed || parsed.agentId.length > 128 || parsed.secret.length > 256) throw new AppError('AGENT_CREDENTIAL_INVALID');
  const agent = await repo.findAgent(parsed.agentId);
  const given = sha256Hex(parsed.secret);
  // Compare even when the agent is unknown, so the answer time does not tell which ids exist.
  const current = safeEqual(given, agent?.credentialHash ?? ABSENT_HASH);
  const previous = safeEqual(given, agent?.previousCredentialHash ?? ABSENT_HASH);
  if (!agent || (!current && !previous)) throw new AppError('AGENT_CREDENTIAL_INVALID');
  if (agent.revokedAt) throw new AppError('AGENT_REVOKED', { details: { agentId: agent.id } });
  const expiresAt = current ? agent.credentialExpiresAt : agent.previousCredentialExpiresAt;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new AppError('AGENT_CREDENTIAL_EXPIRED', { details: { agentId: agent.id } });
  return agent;
}

export function requireAgentOf(repo: TenantRepository, clock: Clock): onRequestAsyncHookHandler {
  return async (req) => {
    req.agent = await authenticateAgent(repo, bearer(req), clock.now());
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function loadAdmin(repo: TenantRepository, req: FastifyRequest, now: Date, cookieName: string): Promise<AdminPrincipal | null> {
  const token = req.cookies[cookieName];
  if (!token) return null;
  if (token.length > 256) return null;
  const idHash = sha256Hex(token);
  const session = await repo.findSession(idHash, now);
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > SESSION_IDLE_MS) {
    await repo.deleteSession(idHash);
    return null;
  }
  const admin = await repo.findAdminById(session.adminId);
  if (!admin || admin.disabledAt) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > SESSION_TOUCH_MS) await repo.touchSession(idHash, now);
  return {
    id: admin.id, username: admin.username, role: admin.role, csrfToken: session.csrfToken, sessionIdHash: idHash, mustChangePassword: admin.mustChangePassword,
  };
}

export function requireAdminOf(repo: TenantRepository, clock: Clock, deployment: Deployment, role: Role | null): onRequestAsyncHookHandler {
  return async (req) => {
    const admin = await loadAdmin(repo, req, clock.now(), deployment.sessionCookie);
    if (!admin) throw new AppError('AUTH_REQUIRED');
    if (!SAFE_METHODS.has(req.method)) {
      // SameSite=Strict already keeps other sites' requests cookie-less; the token is the second lock.
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, admin.csrfToken)) throw new AppError('CSRF_INVALID');
    }
    if (admin.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(req.routeOptions.url ?? '')) throw new AppError('PASSWORD_CHANGE_REQUIRED');
    if (role === 'global_admin' && admin.role !== 'global_admin') throw new AppError('AUTH_FORBIDDEN');
    req.admin = admin;
  };
}

/**
 * Guards run as onRequest hooks: the caller is known from its headers before a byte of the body is
 * read, so an unknown caller cannot make the service buffer or parse a large body.
 */
export function createAuthGuards(repo: TenantRepository, clock: Clock, deployment: Deployment): AuthGuards {
  return {
    none: undefined,
    agent: requireAgentOf(repo, clock),
    admin: requireAdminOf(repo, clock, deployment, null),
    global_admin: requireAdminOf(repo, clock, deployment, 'global_admin'),
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
