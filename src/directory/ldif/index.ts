export { parseLdif, type LdifEntry, type ParsedLdif } from './parse-ldif.js';
export { formatLdif, type FormatLdifOptions } from './format-ldif.js';
export { readLdifFile } from './read-ldif-file.js';
