import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatusWarning } from '../../tenant/api/contract.js';
import { ApiError } from '../api/client.js';
import en from '../i18n/en.json' with { type: 'json' };
import nl from '../i18n/nl.json' with { type: 'json' };
import { explainError, formatParamValue, localizeByCode, localizeRunError, renderErrorTemplate } from './localize.js';
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
    expect(localizeByCode('OBJECT_DUPLICATE_MAIL', sent, translators.en, 'en')).toEqual({ ...sent, parts: null });
    expect(localizeByCode('OBJECT_DUPLICATE_MAIL', sent, translators.nl, 'nl').message).toBe('Een andere gebruiker heeft al dit e-mailadres.');
    expect(localizeByCode('NOT_A_CODE', sent, translators.nl, 'nl')).toEqual({ ...sent, parts: null });
  });
});

describe('error params in the admin\'s language', () => {
  const clash = {
    message: 'The user principal name ann@example.org of uid=ann2,ou=People,dc=example,dc=org is already used by uid=ann,ou=People,dc=example,dc=org, which keeps it; …',
    hint: 'The user that had the value keeps it; …',
    params: { upn: 'ann@example.org', dn: 'uid=ann2,ou=People,dc=example,dc=org', holder: 'uid=ann,ou=People,dc=example,dc=org', standIn: 'ann+1a2b3c4d@example.org' },
  };

  it('renders a sync error in Dutch from its template with the same facts', () => {
    const text = localizeByCode('OBJECT_DUPLICATE_UPN', clash, translators.nl, 'nl');
    expect(text.message).toBe('De UPN ann@example.org van uid=ann2,ou=People,dc=example,dc=org is al in gebruik bij uid=ann,ou=People,dc=example,dc=org, dat deze houdt; uid=ann2,ou=People,dc=example,dc=org is in plaats daarvan gesynchroniseerd met ann+1a2b3c4d@example.org, totdat een van de twee verandert.');
    expect(text.hint).toContain('De gebruiker die de waarde had');
  });

  it('keeps the stored English message in English, and a row without params as before', () => {
    expect(localizeByCode('OBJECT_DUPLICATE_UPN', clash, translators.en, 'en').message).toBe(clash.message);
    expect(localizeByCode('OBJECT_DUPLICATE_UPN', { ...clash, params: null }, translators.nl, 'nl').message).toBe('Een andere gebruiker heeft deze UPN (user principal name) al.');
    expect(localizeByCode('NOT_A_CODE', { ...clash, params: { a: 'x' } }, translators.nl, 'nl').message).toBe(clash.message);
  });

  it('gives the facts apart from the template words, so the page marks them as data', () => {
    const { parts } = localizeByCode('LDIF_SYNTAX', { message: 'x', hint: 'y', params: { file: 'directory.ldif', line: 198 } }, translators.nl, 'nl');
    expect(parts).toEqual([{ text: 'directory.ldif', value: true }, { text: ': regel ', value: false }, { text: '198', value: true }, { text: ' kan niet worden gelezen.', value: false }]);
  });

  it('picks the template of the form the params name', () => {
    const params = { form: 'tooLong', attribute: 'displayName', dn: 'uid=x,dc=example,dc=org', length: 300, max: 256 };
    expect(renderErrorTemplate('OBJECT_VALUE_INVALID', params, translators.nl)).toBe('displayName van uid=x,dc=example,dc=org is 300 tekens lang; er zijn er ten hoogste 256 toegestaan.');
  });

  it('refuses a half-filled template, an unknown form and hostile params', () => {
    expect(renderErrorTemplate('OBJECT_DUPLICATE_UPN', { upn: 'a@b' }, translators.nl)).toBeNull();
    expect(renderErrorTemplate('OBJECT_VALUE_INVALID', { form: '../message', dn: 'x' }, translators.nl)).toBeNull();
    expect(renderErrorTemplate('OBJECT_DUPLICATE_UPN', { ...clash.params, lng: 'en' }, translators.nl)).toBeNull();
    // A value that looks like a nested translation stays text.
    const nested = renderErrorTemplate('LDIF_SYNTAX', { file: '$t(errors.NETWORK.message)', line: 4 }, translators.nl);
    expect(nested).toBe('$t(errors.NETWORK.message): regel 4 kan niet worden gelezen.');
  });

  it('shows an API error in Dutch naming the invalid field', () => {
    const error = new ApiError(400, 'REQUEST_INVALID', 'The request body is invalid: newPassword: Too small.', 'Correct the named field and send the request again.', undefined, { fields: 'newPassword' });
    expect(explainError(error, translators.nl, 'nl').message).toBe('Het verzoek is ongeldig: controleer newPassword.');
    expect(explainError(error, translators.en, 'en').message).toBe(error.message);
  });
});

describe('run errors and the format of facts', () => {
  const emptyRead = {
    errorCode: 'SOURCE_READ_EMPTY',
    errorMessage: 'The source returned no objects in scope (0 entries read), so this cycle would delete all 1,024 synced objects; no deletes were exported. Check the source …',
    errorParams: { read: 0, deletes: 1024 },
  };

  it('renders a failed run in Dutch with its facts, numbers grouped the Dutch way, then what to do', () => {
    const text = localizeRunError(emptyRead, translators.nl, 'nl');
    expect(text?.message).toBe('De bron gaf geen objecten binnen het bereik terug (0 items gelezen), dus deze cyclus zou alle 1.024 gesynchroniseerde objecten verwijderen; er zijn geen verwijderingen doorgegeven.');
    expect(text?.hint).toMatch(/^Controleer de bron/);
    expect(text?.parts?.filter((part) => part.value).map((part) => part.text)).toEqual(['0', '1.024']);
  });

  it('keeps the English words of a run (message and hint as the agent wrote them), and runs without params as before', () => {
    expect(localizeRunError(emptyRead, translators.en, 'en')?.message).toBe(emptyRead.errorMessage);
    expect(localizeRunError({ ...emptyRead, errorParams: null }, translators.nl, 'nl')?.message).toMatch(/^De bron gaf geen objecten terug/);
    expect(localizeRunError({ errorCode: null, errorMessage: null }, translators.nl, 'nl')).toBeNull();
  });

  it('groups numbers per language and never shows a raw ISO time', () => {
    expect(formatParamValue(1024, 'nl-NL')).toBe('1.024');
    expect(formatParamValue(1024, 'en-US')).toBe('1,024');
    expect(formatParamValue('2026-11-25T18:30:00Z', 'nl-NL')).toMatch(/^25-11-2026 \d{2}:30/);
    expect(formatParamValue('2026-11-25T18:30:00.000Z', 'en-US')).toMatch(/^11\/25\/2026, /);
    expect(formatParamValue('line 2026-11-25', 'nl-NL')).toBe('line 2026-11-25');
    const threshold = { form: 'absolute', deletes: 1200, synced: 5000, threshold: 1000, share: 24, percent: 0 };
    expect(renderErrorTemplate('DELETE_THRESHOLD_EXCEEDED', threshold, translators.en, 'en-US')).toBe('This cycle would delete 1,200 objects, more than the threshold of 1,000; no deletes were exported.');
    expect(renderErrorTemplate('DELETE_THRESHOLD_EXCEEDED', threshold, translators.nl, 'nl-NL')).toBe('Deze cyclus zou 1.200 objecten verwijderen, meer dan de drempel van 1.000; er zijn geen verwijderingen doorgegeven.');
  });

  it('names the directory of a failed bind in Dutch, the server\'s reason kept as data', () => {
    const params = { form: 'result', url: 'ldap://127.0.0.1:3899', resultCode: '53', reason: 'unwilling to perform' };
    expect(renderErrorTemplate('DIR_BIND_FAILED', params, translators.nl, 'nl-NL')).toBe('Aanmelden (bind) bij ldap://127.0.0.1:3899 is mislukt (LDAP-resultaat 53) unwilling to perform');
  });

  it('says a body that is not JSON in Dutch', () => {
    const error = new ApiError(400, 'REQUEST_INVALID', 'The request body is not valid JSON.', 'Correct the named field and send the request again.', undefined, { form: 'notJson' });
    expect(explainError(error, translators.nl, 'nl').message).toBe('De inhoud van het verzoek is geen geldige JSON.');
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

describe('warningText with the warning\'s facts (params)', () => {
  const failed: StatusWarning = {
    code: 'LAST_CYCLE_FAILED', troubleshooterUrl: '/troubleshooter',
    message: 'The last directory sync cycle failed (DELETE_THRESHOLD_EXCEEDED): This cycle would delete 1200 objects.',
    params: { form: 'directory', finishedAt: '2026-11-25T11:59:00.000Z', errorCode: 'DELETE_THRESHOLD_EXCEEDED' },
    cause: { errorCode: 'OBJECTS_IN_ERROR_UNKNOWN', errorMessage: 'This cycle would delete 1200 objects.', errorParams: null },
  };

  it('names the failed cycle\'s kind, local time and code in Dutch, never the ISO time', () => {
    const text = warningText(failed, 72, translators.nl, 'nl');
    expect(text).toMatch(/^De laatste adreslijstsynchronisatiecyclus \(25-11-2026 \d{2}:59( \w+)?\) is mislukt \(DELETE_THRESHOLD_EXCEEDED\):/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('renders the failed run\'s own error from its template and params', () => {
    const unreachable = { ...failed, cause: { errorCode: 'DIR_UNREACHABLE', errorMessage: 'The directory at ldap://127.0.0.1:1 cannot be reached: ECONNREFUSED.', errorParams: { url: 'ldap://127.0.0.1:1', reason: 'ECONNREFUSED' } } };
    expect(warningText(unreachable, 72, translators.nl, 'nl')).toContain('De adreslijst op ldap://127.0.0.1:1 is niet bereikbaar: ECONNREFUSED');
    expect(warningText(unreachable, 72, translators.en, 'en')).toMatch(/^The last directory sync cycle \(11\/25\/2026, \d{1,2}:59 [AP]M( \w+)?\) failed \(DELETE_THRESHOLD_EXCEEDED\): The directory at ldap:\/\/127\.0\.0\.1:1 cannot be reached/);
  });

  it.each([
    ['OBJECTS_IN_ERROR', { errors: 1024 }, 'Objecten met synchronisatiefouten: 1.024.'],
    ['PASSWORDS_NOT_SYNCED', { users: 9 }, 'Gesynchroniseerde gebruikers zonder wachtwoord in de tenant: 9. De oorzaken staan onder Wachtwoordsynchronisatie.'],
    ['DELETE_THRESHOLD_EXCEEDED', { pending: 1200, synced: 5000, threshold: 1000, percent: 0 }, 'De laatste adreslijstsynchronisatiecyclus zou 1.200 objecten verwijderen, meer dan de drempel van 1.000 objecten of 0 % van de gesynchroniseerde toestaat; er zijn geen verwijderingen doorgevoerd.'],
    ['AGENT_SILENT', { form: 'silent', minutes: 5 }, 'Geen enkele agent heeft zich langer dan 5 minuten gemeld.'],
    ['TLS_VERIFICATION_DISABLED', { hosts: 'dc1.example.org' }, 'De controle van het TLS-certificaat naar de adreslijst staat uit op dc1.example.org.'],
  ] as const)('nl %s states its facts', (code, params, expected) => {
    expect(warningText({ code, message: 'server words', troubleshooterUrl: '/troubleshooter', params }, 72, translators.nl, 'nl')).toBe(expected);
  });

  it('adds the local time of the last sync to the stale reference sentence', () => {
    const stale: StatusWarning = { code: 'DIRECTORY_SYNC_STALE', message: 'x', troubleshooterUrl: '/t', params: { hours: 72, lastSync: '2026-11-20T10:30:00.000Z' } };
    expect(warningText(stale, 72, translators.nl, 'nl')).toMatch(/^De laatste synchronisatie is meer dan drie dagen geleden\. Laatste geslaagde adreslijstsynchronisatie: 20-11-2026 \d{2}:30( \w+)?\.$/);
  });
});

describe('alert delivery failures in the admin\'s language (ALERT_DELIVERY_FAILED params)', () => {
  it.each([
    [{ form: 'webhookStatus', url: 'https://hooks.example.org/x', status: '503', reason: 'busy' }, 'De webhook https://hooks.example.org/x antwoordde met status 503: busy'],
    [{ form: 'smtp', server: 'mail.example.org:25', to: 'ops@example.org', reason: 'connect ECONNREFUSED 127.0.0.1:25' }, 'De SMTP-server mail.example.org:25 heeft de waarschuwing voor ops@example.org niet aangenomen: connect ECONNREFUSED 127.0.0.1:25'],
    [{ form: 'webhookTimeout', url: 'https://hooks.example.org/x', seconds: 10 }, 'De webhook https://hooks.example.org/x antwoordde niet binnen 10 s.'],
    [{ form: 'channelRemoved' }, 'Het kanaal is verwijderd voordat de waarschuwing kon worden verstuurd.'],
  ])('%j', (params, expected) => {
    expect(localizeByCode('ALERT_DELIVERY_FAILED', { message: 'English words', hint: '', params }, translators.nl, 'nl').message).toBe(expected);
  });
});
