import { AppError } from '../../shared/errors.js';
import { parseLdif, type ParsedLdif } from './parse-ldif.js';
import { readStableFile, type StableReadOptions } from './read-stable-file.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a whole LDIF file once it is stable (read-stable-file.ts) and parses it. Throws
 * LDIF_FILE_UNREADABLE (missing, not UTF-8) and LDIF_FILE_UNSTABLE; syntax errors come back in `errors`.
 */
export async function readLdifFile(path: string, options: StableReadOptions = {}): Promise<ParsedLdif> {
  const bytes = await readStableFile(path, options);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new AppError('LDIF_FILE_UNREADABLE', {
      message: `The LDIF file ${path} is not UTF-8 text.`,
      hint: 'Save the file as UTF-8 (non-ASCII values may also be written base64-encoded with "attr:: ").',
      details: { path, reason: 'not UTF-8' },
      params: { form: 'notUtf8', file: path },
      cause,
    });
  }
  return parseLdif(text);
}
