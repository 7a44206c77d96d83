/** What every route module gets from buildTenantApp: the tenant's repository and the injected clock. */
import type { AdminScryptParams, PasswordPool } from '../../passwords/index.js';
import type { Clock } from '../../shared/clock.js';
import type { RateLimitedWarning } from '../../shared/rate-limited-log.js';
import type { KeyRingPolicy } from '../oidc/key-ring.js';
import type { LockoutPolicy } from '../domain/lockout.js';
import type { TenantRepository, TenantStore } from '../store/ports.js';
import type { Deployment } from './deployment.js';
import type { RunCounters } from './metrics.routes.js';

export interface TenantAppContext {
  store: TenantStore;
  repo: TenantRepository;
  clock: Clock;
  version: string;
  lockoutPolicy: LockoutPolicy;
  /** Worker threads for every password check at sign-in (bounded queue: SIGN_IN_BUSY beyond it). */
  passwords: PasswordPool;
  agentSilentAfterMinutes: number;
  leaseTtlSeconds: number;
  runCounters: RunCounters;
  deployment: Deployment;
  /** Lifetime of an agent credential (renewed by the agent well before). */
  agentCredentialTtlMs: number;
  /** scrypt cost of admin passwords set through the API (default: production; tests lower it). */
  adminPasswordParams?: AdminScryptParams | undefined;
  /** When the OpenID Connect keys rotate and how long retired ones are kept. */
  oidcKeyPolicy: KeyRingPolicy;
  /** Counts sign-ins refused with SIGN_IN_BUSY (a rate-limited warning instead of a line each). */
  busyRefusals: RateLimitedWarning;
}
