import { readFile } from 'node:fs/promises';
import { AppError } from '../../shared/errors.js';
import { parseLdif, type ParsedLdif } from './parse-ldif.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses an LDIF file. Throws LDIF_FILE_UNREADABLE; syntax errors come back in `errors`. */
export async function readLdifFile(path: string): Promise<ParsedLdif> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? 'read error';
    throw new AppError('LDIF_FILE_UNREADABLE', { message: `The LDIF file ${path} cannot be read (${reason}).`, details: { path, reason }, cause });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new AppError('LDIF_FILE_UNREADABLE', {
      message: `The LDIF file ${path} is not UTF-8 text.`,
      hint: 'Save the file as UTF-8 (non-ASCII values may also be written base64-encoded with "attr:: ").',
      details: { path, reason: 'not UTF-8' },
      cause,
    });
  }
  return parseLdif(text);
}
