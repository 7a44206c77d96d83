import { randomBytes, randomUUID, createHash } from 'node:crypto';

export const newId = (): string => randomUUID();

/** A high-entropy secret (tokens, credentials, session ids) in base64url. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** High-entropy secrets are stored as their sha256: a slow KDF buys nothing for 256 random bits. */
export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');
