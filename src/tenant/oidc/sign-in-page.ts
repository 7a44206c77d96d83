/**
 * The OpenID Connect sign-in page: minimal server-rendered HTML in English and Dutch, in the
 * admin center's look (Fluent colours and type), with no external assets and no script. Its one
 * style block is allowed by hash in the page's own Content-Security-Policy (`signInPageCsp`).
 * Pure: the routes pass the interaction's facts and get HTML back.
 */
import { createHash } from 'node:crypto';

export const SIGN_IN_LANGUAGES = ['en', 'nl'] as const;
export type SignInLanguage = (typeof SIGN_IN_LANGUAGES)[number];

export type SignInPageError =
  | { kind: 'wrong_credentials' }
  | { kind: 'missing_fields' }
  | { kind: 'locked'; retryAfterSeconds: number }
  | { kind: 'busy'; retryAfterSeconds: number };

interface Texts {
  htmlLang: string;
  title: string;
  continueTo: (client: string) => string;
  username: string;
  usernameHint: string;
  password: string;
  submit: string;
  wrongCredentials: string;
  missingFields: string;
  locked: (wait: string) => string;
  busy: (wait: string) => string;
  minutes: (n: number) => string;
  seconds: (n: number) => string;
  footer: string;
  switchLabel: string;
  expired: string;
  expiredHint: string;
  errorTitle: string;
  signOutTitle: string;
  signOutQuestion: string;
  signOutYes: string;
  signedOut: string;
}

const TEXTS: Record<SignInLanguage, Texts> = {
  en: {
    htmlLang: 'en-US',
    title: 'Sign in',
    continueTo: (client) => `to continue to ${client}`,
    username: 'User name',
    usernameHint: 'Your user name (name@example.com) or email address',
    password: 'Password',
    submit: 'Sign in',
    wrongCredentials: 'Your user name or password is incorrect. Check both and try again.',
    missingFields: 'Enter your user name and your password.',
    locked: (wait) => `Too many failed sign-ins. Your account is locked for now: try again in ${wait}.`,
    busy: (wait) => `Sign-in is very busy right now. Try again in ${wait}.`,
    minutes: (n) => `${n} minute${n === 1 ? '' : 's'}`,
    seconds: (n) => `${n} second${n === 1 ? '' : 's'}`,
    footer: 'Use the password of your organisation\'s account.',
    switchLabel: 'Nederlands',
    expired: 'This sign-in has expired.',
    expiredHint: 'Go back to the application and start signing in again.',
    errorTitle: 'Sign-in cannot continue',
    signOutTitle: 'Sign out',
    signOutQuestion: 'Do you want to sign out?',
    signOutYes: 'Sign out',
    signedOut: 'You are signed out.',
  },
  nl: {
    htmlLang: 'nl-NL',
    title: 'Aanmelden',
    continueTo: (client) => `om door te gaan naar ${client}`,
    username: 'Gebruikersnaam',
    usernameHint: 'Uw gebruikersnaam (naam@voorbeeld.nl) of e-mailadres',
    password: 'Wachtwoord',
    submit: 'Aanmelden',
    wrongCredentials: 'Uw gebruikersnaam of wachtwoord is onjuist. Controleer beide en probeer het opnieuw.',
    missingFields: 'Vul uw gebruikersnaam en uw wachtwoord in.',
    locked: (wait) => `Te veel mislukte aanmeldpogingen. Uw account is tijdelijk vergrendeld: probeer het over ${wait} opnieuw.`,
    busy: (wait) => `Aanmelden is op dit moment erg druk. Probeer het over ${wait} opnieuw.`,
    minutes: (n) => `${n} ${n === 1 ? 'minuut' : 'minuten'}`,
    seconds: (n) => `${n} ${n === 1 ? 'seconde' : 'seconden'}`,
    footer: 'Gebruik het wachtwoord van het account van uw organisatie.',
    switchLabel: 'English',
    expired: 'Deze aanmelding is verlopen.',
    expiredHint: 'Ga terug naar de toepassing en meld u opnieuw aan.',
    errorTitle: 'Aanmelden kan niet doorgaan',
    signOutTitle: 'Afmelden',
    signOutQuestion: 'Wilt u zich afmelden?',
    signOutYes: 'Afmelden',
    signedOut: 'U bent afgemeld.',
  },
};

/**
 * The language of the page: an explicit choice (`?lang=`) wins, else the first language of the
 * application's `ui_locales` (space-separated, in order of preference) that we speak, else the
 * first of the Accept-Language header (by q-value), else English.
 */
export function pickSignInLanguage(explicit: string | undefined, acceptLanguage: string | undefined, uiLocales?: unknown): SignInLanguage {
  const known = (tag: string): SignInLanguage | undefined => SIGN_IN_LANGUAGES.find((l) => l === tag.trim().toLowerCase().split('-')[0]);
  if (explicit) {
    const chosen = known(explicit);
    if (chosen) return chosen;
  }
  if (typeof uiLocales === 'string') {
    for (const tag of uiLocales.slice(0, 200).split(' ')) {
      const chosen = tag ? known(tag) : undefined;
      if (chosen) return chosen;
    }
  }
  const ranked = (acceptLanguage ?? '').slice(0, 1000).split(',').map((part, index) => {
    const [tag = '', ...params] = part.split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const quality = q === undefined ? 1 : Number(q);
    return { tag: tag.trim(), quality: Number.isFinite(quality) ? quality : 0, index };
  }).filter((r) => r.tag !== '' && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const r of ranked) {
    const lang = known(r.tag);
    if (lang) return lang;
  }
  return 'en';
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:"Segoe UI","Segoe UI Web (West European)",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",sans-serif;background:#f5f5f5;color:#242424;font-size:14px;line-height:20px;display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:100%}
main{background:#fff;width:100%;max-width:440px;padding:44px;border-radius:8px;box-shadow:0 2px 4px rgba(0,0,0,.14),0 0 2px rgba(0,0,0,.12)}
.brand{display:flex;align-items:center;gap:8px;font-weight:600;font-size:16px;color:#0f6cbd;margin-bottom:24px}
.brand svg{width:24px;height:24px}
h1{font-size:24px;line-height:32px;font-weight:600;margin:0 0 4px}
.sub{color:#616161;margin:0 0 24px}
label{display:block;font-weight:600;margin:16px 0 4px}
.hint{display:block;color:#616161;font-size:12px;line-height:16px;margin-top:4px}
input[type=text],input[type=password]{width:100%;font:inherit;padding:5px 10px;min-height:32px;border:1px solid #d1d1d1;border-bottom-color:#616161;border-radius:4px;background:#fff;color:#242424}
input[type=text]:focus,input[type=password]:focus{outline:none;border-bottom:2px solid #0f6cbd}
button{margin-top:24px;width:100%;min-height:32px;font:inherit;font-weight:600;color:#fff;background:#0f6cbd;border:1px solid transparent;border-radius:4px;padding:5px 12px;cursor:pointer}
button:hover{background:#115ea3}
button:focus-visible{outline:2px solid #000;outline-offset:2px}
.error{background:#fdf3f4;border:1px solid #eeacb2;color:#242424;border-radius:4px;padding:8px 12px;margin:0 0 8px}
.error strong{color:#b10e1c}
footer{margin-top:24px;color:#616161;font-size:12px;display:flex;justify-content:space-between;gap:16px}
a{color:#0f6cbd}
`.trim();

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const LOGO = '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="2" width="9" height="9" rx="2" fill="#0f6cbd"/><rect x="13" y="2" width="9" height="9" rx="2" fill="#479ef5"/><rect x="2" y="13" width="9" height="9" rx="2" fill="#479ef5"/><rect x="13" y="13" width="9" height="9" rx="2" fill="#0f6cbd"/></svg>';

/**
 * The page's Content-Security-Policy: no script at all, the one style block by hash, and forms
 * posting to this origin. The form's answer redirects through the authorization endpoint to the
 * client's redirect URI; browsers apply form-action to that redirect too, so its origin is allowed.
 */
export function signInPageCsp(redirectOrigin: string | undefined): string {
  const formAction = ["'self'", ...(redirectOrigin ? [redirectOrigin] : [])].join(' ');
  return [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    "img-src 'self' data:",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export interface SignInPageInput {
  language: SignInLanguage;
  /** Where the form posts (the interaction URL). */
  action: string;
  /** The same page in the other language (the switcher link). */
  switchHref: string;
  clientName: string;
  username?: string | undefined;
  error?: SignInPageError | undefined;
}

function waitText(t: Texts, seconds: number): string {
  return seconds >= 90 ? t.minutes(Math.ceil(seconds / 60)) : t.seconds(seconds);
}

function errorText(t: Texts, error: SignInPageError): string {
  switch (error.kind) {
    case 'wrong_credentials': return t.wrongCredentials;
    case 'missing_fields': return t.missingFields;
    case 'locked': return t.locked(waitText(t, error.retryAfterSeconds));
    case 'busy': return t.busy(waitText(t, error.retryAfterSeconds));
  }
}

function page(t: Texts, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand">${LOGO}<span>dirbridge</span></div>
${body}
</main>
</body>
</html>
`;
}

export function renderSignInPage(input: SignInPageInput): string {
  const t = TEXTS[input.language];
  const error = input.error
    ? `<div class="error" role="alert" id="sign-in-error"><strong>${escapeHtml(errorText(t, input.error))}</strong></div>`
    : '';
  const body = `<h1>${escapeHtml(t.title)}</h1>
<p class="sub">${escapeHtml(t.continueTo(input.clientName))}</p>
${error}
<form method="post" action="${escapeHtml(input.action)}" autocomplete="on" novalidate>
<input type="hidden" name="lang" value="${input.language}">
<label for="username">${escapeHtml(t.username)}</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(input.username ?? '')}" aria-describedby="username-hint">
<span class="hint" id="username-hint">${escapeHtml(t.usernameHint)}</span>
<label for="password">${escapeHtml(t.password)}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="submit">${escapeHtml(t.submit)}</button>
</form>
<footer><span>${escapeHtml(t.footer)}</span><a href="${escapeHtml(input.switchHref)}" hreflang="${input.language === 'en' ? 'nl' : 'en'}" id="language-switch">${escapeHtml(t.switchLabel)}</a></footer>`;
  return page(t, `${t.title} – dirbridge`, body);
}

export type MessagePage =
  | { kind: 'expired' }
  | { kind: 'error'; detail: string }
  | { kind: 'signed_out' };

/** The page for an unknown or expired interaction, an error oidc-provider reports, or after sign-out. */
export function renderMessagePage(language: SignInLanguage, message: MessagePage): string {
  const t = TEXTS[language];
  const [title, detail] = message.kind === 'expired' ? [t.expired, t.expiredHint]
    : message.kind === 'error' ? [t.errorTitle, message.detail]
      : [t.signedOut, ''];
  return page(t, `${title} – dirbridge`, `<h1>${escapeHtml(title)}</h1>\n<p class="sub">${escapeHtml(detail)}</p>`);
}

/**
 * The sign-out confirmation: oidc-provider's own form (hidden fields, CSRF token) plus our button,
 * which submits it by its id, no script needed.
 */
export function renderSignOutPage(language: SignInLanguage, providerForm: string): string {
  const t = TEXTS[language];
  const formId = /id="([^"]+)"/.exec(providerForm)?.[1] ?? 'op.logoutForm';
  return page(t, `${t.signOutTitle} – dirbridge`, `<h1>${escapeHtml(t.signOutTitle)}</h1>
<p class="sub">${escapeHtml(t.signOutQuestion)}</p>
${providerForm}
<button type="submit" form="${escapeHtml(formId)}" name="logout" value="yes" id="sign-out">${escapeHtml(t.signOutYes)}</button>`);
}
