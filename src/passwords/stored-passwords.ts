import { AppError, isAppError } from '../shared/errors.js';
import { parseStoredPassword, type PasswordAttribute, type SourceHash } from './schemes.js';

export interface ParsedPasswords {
  /** One source hash per usable value; each becomes its own verifier and any one signs in. */
  sources: SourceHash[];
  /** One error per value that cannot be used (unsupported scheme, malformed). */
  errors: AppError[];
  /** True when a value is stored in cleartext: the agent reports PASSWORD_CLEARTEXT as a warning. */
  cleartext: boolean;
}

/** Parses every value of a multi-valued password attribute; one bad value does not hide the others. */
export function parseStoredPasswords(values: readonly string[], attribute: PasswordAttribute = 'userPassword'): ParsedPasswords {
  const result: ParsedPasswords = { sources: [], errors: [], cleartext: false };
  for (const value of values) {
    try {
      const source = parseStoredPassword(value, attribute);
      result.sources.push(source);
      if (source.scheme === 'CLEARTEXT') result.cleartext = true;
    } catch (error) {
      if (!isAppError(error)) throw error;
      result.errors.push(error);
    }
  }
  return result;
}
