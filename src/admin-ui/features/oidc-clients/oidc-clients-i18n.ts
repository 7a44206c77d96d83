/**
 * The page's texts in English and Dutch, added to the admin center's i18next resources when the
 * page module loads (the keys can move into i18n/en.json and nl.json as they are).
 */
import i18next from 'i18next';

export const oidcClientsEn = {
  title: 'App registrations',
  intro: 'Applications that sign users in with their on-premises password through OpenID Connect (authorization code flow with PKCE).',
  registerTitle: 'Register an application',
  name: 'Name',
  nameHint: 'Shown to users on the sign-in page.',
  redirectUris: 'Redirect URIs',
  redirectUrisHint: 'One per line. https://, or http:// only to localhost.',
  public: 'Public client (single-page or mobile app): no secret, PKCE only',
  register: 'Register',
  createdTitle: 'Application registered',
  secretOnce: 'Copy the client secret now: it is shown only once and cannot be retrieved later.',
  noSecret: 'Public client: it has no secret and must use PKCE.',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  issuer: 'Issuer',
  discovery: 'Discovery document',
  listTitle: 'Registered applications',
  none: 'No applications are registered yet.',
  type: 'Type',
  confidential: 'Confidential',
  publicType: 'Public',
  created: 'Created',
  delete: 'Delete',
  deleteTitle: 'Delete {{name}}?',
  deleteBody: 'Users can no longer sign in to this application, and the tokens it holds stop working.',
  cancel: 'Cancel',
  deleted: '{{name}} was deleted.',
};

export const oidcClientsNl: typeof oidcClientsEn = {
  title: 'App-registraties',
  intro: 'Toepassingen die gebruikers via OpenID Connect laten aanmelden met hun on-premises wachtwoord (autorisatiecodestroom met PKCE).',
  registerTitle: 'Een toepassing registreren',
  name: 'Naam',
  nameHint: 'Wordt op de aanmeldpagina aan gebruikers getoond.',
  redirectUris: 'Omleidings-URI\'s',
  redirectUrisHint: 'Eén per regel. https://, of http:// alleen naar localhost.',
  public: 'Openbare client (single-page- of mobiele app): geen geheim, alleen PKCE',
  register: 'Registreren',
  createdTitle: 'Toepassing geregistreerd',
  secretOnce: 'Kopieer het clientgeheim nu: het wordt maar één keer getoond en kan later niet worden opgevraagd.',
  noSecret: 'Openbare client: deze heeft geen geheim en moet PKCE gebruiken.',
  clientId: 'Client-id',
  clientSecret: 'Clientgeheim',
  issuer: 'Verlener (issuer)',
  discovery: 'Discovery-document',
  listTitle: 'Geregistreerde toepassingen',
  none: 'Er zijn nog geen toepassingen geregistreerd.',
  type: 'Type',
  confidential: 'Vertrouwelijk',
  publicType: 'Openbaar',
  created: 'Gemaakt',
  delete: 'Verwijderen',
  deleteTitle: '{{name}} verwijderen?',
  deleteBody: 'Gebruikers kunnen zich niet meer bij deze toepassing aanmelden en de tokens die zij heeft, werken niet meer.',
  cancel: 'Annuleren',
  deleted: '{{name}} is verwijderd.',
};

let added = false;
/** Adds the keys under `oidcClients.` without overwriting keys the shared files already define. */
export function addOidcClientsTexts(): void {
  if (added) return;
  added = true;
  i18next.addResourceBundle('en', 'translation', { oidcClients: oidcClientsEn }, true, false);
  i18next.addResourceBundle('nl', 'translation', { oidcClients: oidcClientsNl }, true, false);
}
