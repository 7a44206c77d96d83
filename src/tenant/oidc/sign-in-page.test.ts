import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, pickSignInLanguage, renderMessagePage, renderSignInPage, signInPageCsp } from './sign-in-page.js';

describe('pickSignInLanguage', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, 'nl-NL,nl;q=0.9,en-US;q=0.8', 'nl'],
    [undefined, 'nl-BE', 'nl'],
    [undefined, 'de-DE,nl;q=0.5,en;q=0.7', 'en'],
    [undefined, 'de-DE,nl;q=0.8,en;q=0.7', 'nl'],
    [undefined, 'en;q=0,nl', 'nl'],
    [undefined, 'fr, de', 'en'],
    [undefined, '*', 'en'],
    ['nl', 'en-US', 'nl'],
    ['EN', 'nl-NL', 'en'],
    ['xx', 'nl-NL', 'nl'],
  ])('explicit %s, Accept-Language %s -> %s', (explicit, header, expected) => {
    expect(pickSignInLanguage(explicit, header)).toBe(expected);
  });

  it.each([
    [undefined, 'en-US', 'nl-NL en', 'nl'],
    [undefined, 'nl-NL', 'fr en-GB', 'en'],
    [undefined, 'nl-NL', 'fr de', 'nl'],
    ['en', 'nl-NL', 'nl', 'en'],
    [undefined, 'en', 42, 'en'],
  ] as const)('explicit %s, Accept-Language %s, ui_locales %j -> %s', (explicit, header, uiLocales, expected) => {
    expect(pickSignInLanguage(explicit, header, uiLocales)).toBe(expected);
  });

  it('never throws and always answers a language we speak, whatever the header', () => {
    fc.assert(fc.property(fc.option(fc.string(), { nil: undefined }), fc.option(fc.string({ maxLength: 2000 }), { nil: undefined }), fc.option(fc.string({ maxLength: 2000 }), { nil: undefined }), (explicit, header, uiLocales) => {
      expect(['en', 'nl']).toContain(pickSignInLanguage(explicit, header, uiLocales));
    }));
  });
});

describe('renderSignInPage', () => {
  const base = { action: '/oidc/interaction/abc', switchHref: '/oidc/interaction/abc?lang=nl', clientName: 'Payroll' };

  it('escapes whatever it shows: client name and the typed user name', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (clientName, username) => {
      const html = renderSignInPage({ ...base, language: 'en', clientName, username });
      expect(html).toContain(escapeHtml(clientName));
      expect(html).toContain(`value="${escapeHtml(username)}"`);
      // Nothing typed can open a tag or an attribute: the structure stays the same.
      expect(html.match(/<input /g)).toHaveLength(3);
      expect(html.match(/<form /g)).toHaveLength(1);
      expect(html.match(/<a /g)).toHaveLength(1);
    }));
  });

  it.each([
    ['en', { kind: 'wrong_credentials' } as const, 'Your user name or password is incorrect.'],
    ['nl', { kind: 'wrong_credentials' } as const, 'Uw gebruikersnaam of wachtwoord is onjuist.'],
    ['en', { kind: 'locked', retryAfterSeconds: 1 } as const, 'try again in 1 second.'],
    ['en', { kind: 'locked', retryAfterSeconds: 600 } as const, 'try again in 10 minutes.'],
    ['nl', { kind: 'locked', retryAfterSeconds: 60 } as const, 'probeer het over 60 seconden opnieuw.'],
    ['nl', { kind: 'missing_fields' } as const, 'Vul uw gebruikersnaam en uw wachtwoord in.'],
  ] as const)('says what went wrong in plain words (%s, %o)', (language, error, text) => {
    expect(renderSignInPage({ ...base, language, error })).toContain(text);
  });

  it('has no script and a style allowed by its CSP hash', () => {
    const html = renderSignInPage({ ...base, language: 'nl' });
    expect(html).not.toMatch(/<script|\son\w+=/i);
    expect(html).toContain('<html lang="nl-NL">');
    expect(html).toContain('>English</a>');
    const csp = signInPageCsp('https://app.example.com');
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' https://app.example.com");
    expect(csp).not.toContain('unsafe');
  });

  it('renders the expired and error pages in the chosen language', () => {
    expect(renderMessagePage('nl', { kind: 'expired' })).toContain('Deze aanmelding is verlopen.');
    expect(renderMessagePage('en', { kind: 'error', detail: '<b>bad</b>' })).toContain('&lt;b&gt;bad&lt;/b&gt;');
  });
});
