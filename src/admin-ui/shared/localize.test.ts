import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatusWarning } from '../../tenant/api/contract.js';
import { ApiError } from '../api/client.js';
import en from '../i18n/en.json' with { type: 'json' };
import nl from '../i18n/nl.json' with { type: 'json' };
import { explainError, localizeByCode } from './localize.js';
import { warningText } from './warning-text.js';

const translators: Record<'en' | 'nl', TFunction> = {} as Record<'en' | 'nl', TFunction>;

beforeAll(async () => {
  for (const lng of ['en', 'nl'] as const) {
    const instance = i18next.createInstance();
    await instance.init({ resources: { en: { translation: en }, nl: { translation: nl } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
    translators[lng] = instance.t;
  }
});

const forbidden = new ApiError(403, 'AUTH_FORBIDDEN', 'Your role may only look, not change.', 'Ask a global admin to make this change, or to give you the global admin role.');

describe('explainError', () => {
  it('keeps the server words in English', () => {
    const specific = new ApiError(400, 'REQUEST_INVALID', 'passwordSyncEnabled must be a boolean.', 'Send true or false.');
    expect(explainError(specific, translators.en, 'en')).toEqual({ code: 'REQUEST_INVALID', message: 'passwordSyncEnabled must be a boolean.', hint: 'Send true or false.' });
  });

  it('translates by code in Dutch', () => {
    expect(explainError(forbidden, translators.nl, 'nl')).toEqual({
      code: 'AUTH_FORBIDDEN',
      message: 'Met uw rol kunt u alleen kijken, niet wijzigen.',
      hint: 'Vraag een globale beheerder om deze wijziging aan te brengen, of om u de rol van globale beheerder te geven.',
    });
  });

  it('shows an unknown code as sent, in any language', () => {
    const unknown = new ApiError(409, 'SOMETHING_NEW', 'A new thing happened.', 'Do the new thing.');
    expect(explainError(unknown, translators.nl, 'nl')).toMatchObject({ message: 'A new thing happened.', hint: 'Do the new thing.' });
  });

  it('turns anything else into an internal error with what to do', () => {
    const explained = explainError(new TypeError('boom'), translators.nl, 'nl');
    expect(explained.code).toBe('INTERNAL_ERROR');
    expect(explained.hint).toContain('Probeer het opnieuw');
  });
});

describe('localizeByCode', () => {
  const sent = { message: 'Another user already has this mail address.', hint: 'Give one of the two entries a different mail address in the directory.' };
  it('keeps English rows as sent and translates Dutch ones', () => {
    expect(localizeByCode('OBJECT_DUPLICATE_MAIL', sent, translators.en, 'en')).toBe(sent);
    expect(localizeByCode('OBJECT_DUPLICATE_MAIL', sent, translators.nl, 'nl').message).toBe('Een andere gebruiker heeft al dit e-mailadres.');
    expect(localizeByCode('NOT_A_CODE', sent, translators.nl, 'nl')).toBe(sent);
  });
});

describe('warningText', () => {
  const warning = (code: StatusWarning['code'], message = 'server words'): StatusWarning => ({ code, message, troubleshooterUrl: '/troubleshooter' });

  it.each([
    ['en', 'DIRECTORY_SYNC_STALE', 72, 'The last sync was more than three days ago.'],
    ['nl', 'PASSWORD_SYNC_STALE', 72, 'De laatste synchronisatie is meer dan drie dagen geleden.'],
    ['en', 'PASSWORD_SYNC_STALE', 36, 'The last sync was more than 36 hours ago.'],
    ['nl', 'DIRECTORY_SYNC_STALE', 36, 'De laatste synchronisatie is meer dan 36 uur geleden.'],
    ['en', 'OBJECTS_IN_ERROR', 72, 'server words'],
    ['nl', 'OBJECTS_IN_ERROR', 72, 'Sommige objecten konden niet worden gesynchroniseerd.'],
    ['nl', 'PASSWORD_SYNC_NEVER_RAN', 72, 'Er is nog nooit een wachtwoordsynchronisatie uitgevoerd.'],
  ] as const)('%s %s (stale after %i h) reads "%s"', (language, code, hours, expected) => {
    expect(warningText(warning(code), hours, translators[language], language)).toBe(expected);
  });
});
