import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TroubleshooterCheck } from '../../../tenant/api/contract.js';
import en from '../../i18n/en.json' with { type: 'json' };
import nl from '../../i18n/nl.json' with { type: 'json' };
import { describeCheck } from './describe-check.js';

const instances = {} as Record<'en' | 'nl', i18n>;

beforeAll(async () => {
  for (const lng of ['en', 'nl'] as const) {
    instances[lng] = i18next.createInstance();
    await instances[lng].init({ resources: { en: { translation: en }, nl: { translation: nl } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
  }
});

const check = (over: Partial<TroubleshooterCheck>): TroubleshooterCheck => ({
  id: 'password_sync_stale', verdict: 'warning', found: 'server found', action: 'server action', params: {}, ...over,
});

describe('describeCheck', () => {
  const failedCycle = (errorParams: string | null) => check({
    id: 'last_cycle', verdict: 'error', found: 'The last directory sync cycle failed at 2026-11-21T18:30:00.000Z: the source directory cannot be reached (DIR_UNREACHABLE).',
    params: { kind: 'directory', errorCode: 'DIR_UNREACHABLE', errorMessage: 'x', finishedAt: '2026-11-21T18:30:00.000Z', errorParams },
  });
  const facts = JSON.stringify({ url: 'ldap://dc1.example.org', reason: 'connect ECONNREFUSED 10.0.0.1:389' });

  it('names the facts of a failed cycle in Dutch and English, the time written for a person', () => {
    expect(describeCheck(failedCycle(facts), instances.nl, 'nl-NL').found)
      .toMatch(/^Adreslijstsynchronisatie: de laatste cyclus is mislukt op 21-11-2026 \d{2}:30 \S+ \(DIR_UNREACHABLE\): De adreslijst op ldap:\/\/dc1\.example\.org is niet bereikbaar: connect ECONNREFUSED 10\.0\.0\.1:389$/);
    const english = describeCheck(failedCycle(facts), instances.en, 'en-US').found;
    expect(english).toContain('The directory at ldap://dc1.example.org cannot be reached: connect ECONNREFUSED 10.0.0.1:389');
    expect(english).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('says a failed cycle without facts by its code in Dutch, and keeps the server words in English', () => {
    expect(describeCheck(failedCycle(null), instances.nl, 'nl-NL').found).toMatch(/\(DIR_UNREACHABLE\): De bronadreslijst is niet bereikbaar\.$/);
    expect(describeCheck(failedCycle(null), instances.en, 'en-US').found).toMatch(/^The last directory sync cycle failed at 11\/21\/2026, /);
    // Garbled facts count as none; a value that looks like a placeholder stays text.
    expect(describeCheck(failedCycle('{"url": '), instances.nl, 'nl-NL').found).toMatch(/De bronadreslijst is niet bereikbaar\.$/);
    const sly = JSON.stringify({ url: '{{kind}}', reason: '$t(errors.NETWORK.message)' });
    expect(describeCheck(failedCycle(sly), instances.nl, 'nl-NL').found).toContain('De adreslijst op {{kind}} is niet bereikbaar: $t(errors.NETWORK.message)');
  });

  it('fills the detailed English text from params, with the date written for a person', () => {
    const described = describeCheck(check({ params: { lastSync: '2026-11-21T18:30:00Z', staleAfterHours: 72 } }), instances.en, 'en-US');
    expect(described.found).toMatch(/11\/21\/2026, \d{1,2}:\d{2}\s?[AP]M/);
    expect(described.found).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(described.action).toBe('server action');
  });

  it('shows the server words in English when the detailed text lacks a value, with no raw ISO time in them', () => {
    const described = describeCheck(check({ found: 'The last sync was at 2026-11-21T18:30:00.123Z.', params: { lastSync: null } }), instances.en, 'en-US');
    expect(described.found).toMatch(/^The last sync was at 11\/21\/2026, \d{1,2}:\d{2}\s?[AP]M .+\.$/);
  });

  it('fills the detailed Dutch text from params, with the date in Dutch', () => {
    const described = describeCheck(check({ params: { lastSync: '2026-11-21T18:30:00Z', staleAfterHours: 72 } }), instances.nl, 'nl-NL');
    expect(described.found).toMatch(/^De laatste wachtwoordsynchronisatie was op 21-11-2026 \d{2}:\d{2} .+, meer dan 72 uur geleden\.$/);
    expect(described.action).toContain('wachtwoordsynchronisatie');
  });

  it('falls back to the general Dutch text when a value is missing (never synced)', () => {
    const described = describeCheck(check({ params: { lastSync: null, staleAfterHours: 72 } }), instances.nl, 'nl-NL');
    expect(described.found).toBe('De laatste wachtwoordsynchronisatie is te lang geleden, of er is er nog geen geweest.');
  });

  it('has no action for an ok check', () => {
    const described = describeCheck(check({ id: 'objects_in_error', verdict: 'ok', action: '', params: { count: 0 } }), instances.nl, 'nl-NL');
    expect(described).toEqual({ found: 'Er zijn geen objecten met fouten.', action: '' });
  });

  it.each([
    [1, '1 object heeft een synchronisatiefout.'],
    [5, '5 objecten hebben een synchronisatiefout.'],
  ])('counts %i objects in error in Dutch', (count, expected) => {
    expect(describeCheck(check({ id: 'objects_in_error', params: { count, url: '/sync-errors' } }), instances.nl, 'nl-NL').found).toBe(expected);
  });

  it('shows the server words for a check it does not know', () => {
    const unknown = check({ id: 'something_new' as TroubleshooterCheck['id'] });
    expect(describeCheck(unknown, instances.nl, 'nl-NL')).toEqual({ found: 'server found', action: 'server action' });
  });
});
