/**
 * oidc-provider's storage adapter over the tenant store: every model (Session, Interaction,
 * AuthorizationCode, Grant, AccessToken, ...) in one table keyed by tenant, model and id, with an
 * expiry; clients come from the admin registrations. Expired rows are never returned and are
 * swept now and then. See https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js
 */
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../shared/clock.js';
import type { OidcRepository } from '../store/oidc-repository.js';

const SWEEP_EVERY_MS = 60_000;

/** The client metadata oidc-provider validates for a registration (only what we allow). */
export function clientMetadata(client: { clientId: string; name: string; redirectUris: string[]; public: boolean; secretHash: string | null }): AdapterPayload {
  return {
    client_id: client.clientId,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: client.public ? 'none' : 'client_secret_basic',
    // The secret's hash: oidc-provider compares through `compareClientSecret`, replaced in provider.ts.
    ...(client.public || client.secretHash === null ? {} : { client_secret: client.secretHash }),
  };
}

export function createStoreAdapter(oidc: OidcRepository, clock: Clock): AdapterConstructor {
  let lastSweep = 0;
  const sweep = (now: Date) => {
    if (now.getTime() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now.getTime();
    // Best effort: a failed sweep is tried again later and never fails the request.
    void oidc.deleteExpiredModels(now).catch(() => undefined);
  };

  return class StoreAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const now = clock.now();
      sweep(now);
      const expiresAt = expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : null;
      await oidc.upsertModel(this.model, id, payload as Record<string, unknown>, expiresAt, {
        grantId: typeof payload.grantId === 'string' ? payload.grantId : undefined,
        uid: typeof payload.uid === 'string' ? payload.uid : undefined,
        userCode: typeof payload.userCode === 'string' ? payload.userCode : undefined,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = await oidc.findClient(id);
        return client ? clientMetadata(client) : undefined;
      }
      return withConsumed(await oidc.findModel(this.model, id, clock.now()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await oidc.findModelBy(this.model, 'userCode', userCode, clock.now()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await oidc.findModelBy(this.model, 'uid', uid, clock.now()));
    }

    async consume(id: string): Promise<void> {
      await oidc.consumeModel(this.model, id, clock.now());
    }

    async destroy(id: string): Promise<void> {
      await oidc.destroyModel(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await oidc.revokeByGrantId(grantId);
    }
  };
}

function withConsumed(record: { payload: Record<string, unknown>; consumedAt: Date | null } | null): AdapterPayload | undefined {
  if (!record) return undefined;
  return { ...record.payload, ...(record.consumedAt ? { consumed: Math.floor(record.consumedAt.getTime() / 1000) } : {}) } as AdapterPayload;
}
