/** The change-password screen's texts in English and Dutch. */
import i18next from 'i18next';

export const changePasswordEn = {
  title: 'Choose a new password',
  intro: 'Your password was generated or reset by an admin. Choose your own before you continue.',
  current: 'Current password',
  new: 'New password',
  newHint: 'At least 12 characters.',
  again: 'New password again',
  mismatch: 'The two new passwords differ.',
  submit: 'Change password',
  signOut: 'Sign out',
};

export const changePasswordNl: typeof changePasswordEn = {
  title: 'Kies een nieuw wachtwoord',
  intro: 'Uw wachtwoord is gegenereerd of door een beheerder opnieuw ingesteld. Kies uw eigen wachtwoord voordat u verdergaat.',
  current: 'Huidig wachtwoord',
  new: 'Nieuw wachtwoord',
  newHint: 'Minstens 12 tekens.',
  again: 'Nieuw wachtwoord nogmaals',
  mismatch: 'De twee nieuwe wachtwoorden verschillen.',
  submit: 'Wachtwoord wijzigen',
  signOut: 'Afmelden',
};

export function addChangePasswordTexts(): void {
  i18next.addResourceBundle('en', 'translation', { changePassword: changePasswordEn }, true, false);
  i18next.addResourceBundle('nl', 'translation', { changePassword: changePasswordNl }, true, false);
}
