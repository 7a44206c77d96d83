/**
 * Directory password values -> source hashes, and password -> source digest.
 *
 * A *source hash* is what the directory stores, taken apart: the scheme, its public parameters
 * (salt, rounds, cost) and the digest. `computeSourceDigest(scheme, params, password)` gives the
 * same digest for the right password, so the tenant can check a sign-in without ever holding the
 * directory's hash (see DESIGN.md "Password hash sync: the crypto").
 *
 * Formats, as the real servers write them:
 * - OpenLDAP built-in and pw-sha2: `{SSHA}base64(H(pw+salt)+salt)`, `{SHA}base64(H(pw))`, ...
 *   (servers/slapd/passwd.c, contrib/slapd-modules/passwd/sha2).
 * - `{CRYPT}` + crypt(3) output: `$1$`, `$5$`, `$6$` (optionally `rounds=N$`), `$2a$/$2b$/$2y$`.
 * - OpenLDAP pw-pbkdf2: `{PBKDF2-SHA256}iterations$ab64(salt)$ab64(dk)`; 389-DS pwdchan (its
 *   default scheme since 2.0 is {PBKDF2-SHA512}) writes the same with standard, padded base64
 *   (src/plugins/pwdchan/src/lib.rs, pbkdf2_encrypt) and reads both.
 * - 389-DS `{PBKDF2_SHA256}base64(uint32be iterations | 64-byte salt | 256-byte dk)`
 *   (ldap/servers/plugins/pwdstorage/pbkdf2_pwd.c).
 * - OpenLDAP argon2 module: `{ARGON2}` + a PHC string `$argon2id$v=19$m=..,t=..,p=..$salt$hash`.
 * - Samba `sambaNTPassword`: 32 hex digits of MD4(UTF-16LE(password)).
 */
import { createHash, pbkdf2, pbkdf2Sync } from 'node:crypto';
import { promisify } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { argon2d, argon2i, argon2id, bcrypt, md4 } from 'hash-wasm';
import { AppError } from '../shared/errors.js';
import { assertWithinCostBounds } from './cost-bounds.js';
import { md5CryptChecksum, SHA_CRYPT_DEFAULT_ROUNDS, SHA_CRYPT_MAX_ROUNDS, SHA_CRYPT_MIN_ROUNDS, shaCryptChecksum } from './crypt.js';
import { decodeAdaptedBase64, decodeBase64, decodeBcryptBase64, decodeHex } from './encoding.js';

const pbkdf2Promise = promisify(pbkdf2);
/** On the pool worker's own thread, not libuv's shared 4-thread pool (see scryptAsync in verifier.ts). */
const pbkdf2Async = async (password: Buffer | string, salt: Buffer, iterations: number, keyLength: number, digest: string): Promise<Buffer> =>
  isMainThread ? pbkdf2Promise(password, salt, iterations, keyLength, digest) : pbkdf2Sync(password, salt, iterations, keyLength, digest);

export interface SourceHash {
  /** Upper-case scheme without braces: SSHA, CRYPT-SHA512, PBKDF2-SHA256, ARGON2, NT, CLEARTEXT... */
  scheme: string;
  /** Public parameters needed to recompute the digest. Never secret. */
  params: Record<string, string | number>;
  digest: Buffer;
}

/** unicodePwd: an AD NT hash replicated over MS-DRSR, handed over in hex like sambaNTPassword. */
export type PasswordAttribute = 'userPassword' | 'sambaNTPassword' | 'unicodePwd';

type Digest = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

const DIGEST_LENGTH: Record<Digest, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

const SALTED: Record<string, Digest> = { SSHA: 'sha1', SSHA256: 'sha256', SSHA384: 'sha384', SSHA512: 'sha512', SMD5: 'md5' };
const UNSALTED: Record<string, Digest> = { SHA: 'sha1', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512', MD5: 'md5' };
const PBKDF2_DIGEST: Record<string, Digest> = { PBKDF2: 'sha1', 'PBKDF2-SHA1': 'sha1', 'PBKDF2-SHA256': 'sha256', 'PBKDF2-SHA512': 'sha512' };

/** Bounds that keep a hostile or corrupt value from costing the tenant minutes per sign-in. */
const MAX_PBKDF2_ITERATIONS = 10_000_000;
const MAX_PBKDF2_KEY_LENGTH = 1024;
const MAX_ARGON2_MEMORY_KIB = 1 << 20;
const MAX_ARGON2_TIME = 1000;
const MAX_ARGON2_PARALLELISM = 255;

const DS_PBKDF2_SALT_LENGTH = 64;
const DS_PBKDF2_HASH_LENGTH = 256;

function malformed(scheme: string, reason: string): AppError {
  return new AppError('PASSWORD_HASH_MALFORMED', { message: `The stored {${scheme}} password hash is malformed: ${reason}.`, details: { scheme }, params: { scheme } });
}

function unsupported(scheme: string): AppError {
  return new AppError('PASSWORD_SCHEME_UNSUPPORTED', {
    message: `The password scheme {${scheme}} is not supported by dirbridge.`,
    details: { scheme },
    params: { scheme },
  });
}

/**
 * Takes one stored value apart. Throws PASSWORD_SCHEME_UNSUPPORTED, PASSWORD_HASH_MALFORMED, or
 * PASSWORD_HASH_TOO_COSTLY for a hash beyond the cost bounds (cost-bounds.ts).
 */
export function parseStoredPassword(value: string, attribute: PasswordAttribute = 'userPassword'): SourceHash {
  const source = parseValue(value, attribute);
  assertWithinCostBounds(source.scheme, source.params);
  return source;
}

function parseValue(value: string, attribute: PasswordAttribute): SourceHash {
  if (attribute === 'sambaNTPassword' || attribute === 'unicodePwd') return parseNtHash(value.trim());
  const prefix = /^\{([A-Za-z0-9][A-Za-z0-9._-]*)\}/.exec(value);
  if (!prefix) {
    if (value.length === 0) throw malformed('CLEARTEXT', 'the value is empty');
    return cleartext(value);
  }
  const scheme = (prefix[1] ?? '').toUpperCase();
  const rest = value.slice(prefix[0].length);
  if (scheme === 'CLEARTEXT') {
    if (rest.length === 0) throw malformed(scheme, 'the value is empty');
    return cleartext(rest);
  }
  const salted = SALTED[scheme];
  if (salted) return parseSalted(scheme, salted, rest);
  const unsalted = UNSALTED[scheme];
  if (unsalted) return parseUnsalted(scheme, unsalted, rest);
  if (PBKDF2_DIGEST[scheme]) return parsePbkdf2(scheme, rest);
  if (scheme === 'PBKDF2_SHA256') return parseDsPbkdf2(scheme, rest);
  if (scheme === 'CRYPT') return parseCrypt(rest);
  if (scheme === 'ARGON2') return parseArgon2(rest);
  throw unsupported(scheme);
}

function cleartext(password: string): SourceHash {
  return { scheme: 'CLEARTEXT', params: {}, digest: createHash('sha256').update(password, 'utf8').digest() };
}

function parseNtHash(value: string): SourceHash {
  const digest = /^[0-9a-fA-F]{32}$/.test(value) ? decodeHex(value) : undefined;
  if (!digest) throw malformed('NT', 'sambaNTPassword must be 32 hexadecimal digits');
  return { scheme: 'NT', params: {}, digest };
}

function parseSalted(scheme: string, digest: Digest, rest: string): SourceHash {
  const bytes = decodeBase64(rest);
  if (!bytes) throw malformed(scheme, 'the value is not base64');
  const length = DIGEST_LENGTH[digest];
  if (bytes.length <= length) throw malformed(scheme, 'the value is too short to hold a digest and a salt');
  return { scheme, params: { salt: bytes.subarray(length).toString('base64') }, digest: Buffer.from(bytes.subarray(0, length)) };
}

function parseUnsalted(scheme: string, digest: Digest, rest: string): SourceHash {
  const bytes = decodeBase64(rest);
  if (!bytes) throw malformed(scheme, 'the value is not base64');
  if (bytes.length !== DIGEST_LENGTH[digest]) throw malformed(scheme, `the digest must be ${DIGEST_LENGTH[digest]} bytes`);
  return { scheme, params: {}, digest: bytes };
}

function parseIterations(scheme: string, text: string | undefined): number {
  const iterations = text !== undefined && /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(iterations >= 1 && iterations <= MAX_PBKDF2_ITERATIONS)) throw malformed(scheme, `the iteration count must be between 1 and ${MAX_PBKDF2_ITERATIONS}`);
  return iterations;
}

function parsePbkdf2(scheme: string, rest: string): SourceHash {
  const match = /^([0-9]+)\$([./+A-Za-z0-9]+={0,2})\$([./+A-Za-z0-9]+={0,2})$/.exec(rest);
  if (!match) throw malformed(scheme, 'expected iterations$salt$hash');
  const iterations = parseIterations(scheme, match[1]);
  const salt = decodePbkdf2Base64(match[2] ?? '');
  const digest = decodePbkdf2Base64(match[3] ?? '');
  if (!salt || salt.length === 0 || !digest || digest.length === 0) throw malformed(scheme, 'the salt or hash is not base64 (adapted or standard)');
  if (digest.length > MAX_PBKDF2_KEY_LENGTH) throw malformed(scheme, 'the hash is too long');
  return { scheme, params: { iterations, salt: salt.toString('base64'), keyLength: digest.length }, digest };
}

/** passlib's adapted base64 (`.` for `+`, unpadded) as OpenLDAP writes it, or standard base64 as 389-DS writes it. */
function decodePbkdf2Base64(text: string): Buffer | undefined {
  return text.includes('.') ? decodeAdaptedBase64(text) : decodeBase64(text);
}

function parseDsPbkdf2(scheme: string, rest: string): SourceHash {
  // 389-DS may fold the base64 over lines when it exports; the blob itself has no whitespace.
  const bytes = decodeBase64(rest.replace(/\s+/g, ''));
  if (!bytes) throw malformed(scheme, 'the value is not base64');
  if (bytes.length !== 4 + DS_PBKDF2_SALT_LENGTH + DS_PBKDF2_HASH_LENGTH) throw malformed(scheme, 'the blob must be 324 bytes');
  const iterations = bytes.readUInt32BE(0);
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw malformed(scheme, `the iteration count must be between 1 and ${MAX_PBKDF2_ITERATIONS}`);
  const salt = bytes.subarray(4, 4 + DS_PBKDF2_SALT_LENGTH);
  return {
    scheme,
    params: { iterations, salt: salt.toString('base64'), keyLength: DS_PBKDF2_HASH_LENGTH },
    digest: Buffer.from(bytes.subarray(4 + DS_PBKDF2_SALT_LENGTH)),
  };
}

function parseCrypt(rest: string): SourceHash {
  let match = /^\$1\$([^$:\s]{0,8})\$([./0-9A-Za-z]{22})$/.exec(rest);
  if (match) return { scheme: 'CRYPT-MD5', params: { salt: match[1] ?? '' }, digest: Buffer.from(match[2] ?? '', 'ascii') };

  match = /^\$([56])\$(?:rounds=([0-9]{1,10})\$)?([^$:\s]{0,16})\$([./0-9A-Za-z]+)$/.exec(rest);
  if (match) {
    const sha512 = match[1] === '6';
    const scheme = sha512 ? 'CRYPT-SHA512' : 'CRYPT-SHA256';
    const checksum = match[4] ?? '';
    if (checksum.length !== (sha512 ? 86 : 43)) throw malformed(scheme, 'the checksum has the wrong length');
    // crypt(3) clamps the rounds into range and writes the clamped value; do the same.
    const requested = match[2] === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : Number(match[2]);
    const rounds = Math.min(SHA_CRYPT_MAX_ROUNDS, Math.max(SHA_CRYPT_MIN_ROUNDS, requested));
    return { scheme, params: { salt: match[3] ?? '', rounds }, digest: Buffer.from(checksum, 'ascii') };
  }

  match = /^\$(2[aby])\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(rest);
  if (match) {
    const cost = Number(match[2]);
    if (cost < 4 || cost > 31) throw malformed('CRYPT-BCRYPT', 'the cost must be between 4 and 31');
    if (!decodeBcryptBase64(match[3] ?? '', 16)) throw malformed('CRYPT-BCRYPT', 'the salt is not bcrypt base64');
    return { scheme: 'CRYPT-BCRYPT', params: { variant: match[1] ?? '2b', cost, salt: match[3] ?? '' }, digest: Buffer.from(match[4] ?? '', 'ascii') };
  }

  const id = /^\$([0-9a-z]+)\$/.exec(rest)?.[1];
  if (id !== undefined) {
    const known: Record<string, string> = { '1': 'CRYPT-MD5', '5': 'CRYPT-SHA256', '6': 'CRYPT-SHA512', '2a': 'CRYPT-BCRYPT', '2b': 'CRYPT-BCRYPT', '2y': 'CRYPT-BCRYPT' };
    const knownScheme = known[id];
    if (knownScheme) throw malformed(knownScheme, 'the crypt string does not have the expected form');
    const names: Record<string, string> = { y: 'YESCRYPT', gy: 'GOST-YESCRYPT', '7': 'SCRYPT', md5: 'SUNMD5', '2x': 'BCRYPT-2X', '3': 'NTHASH' };
    throw unsupported(`CRYPT-${names[id] ?? `$${id}$`}`);
  }
  if (/^[./0-9A-Za-z]{13}$/.test(rest)) throw unsupported('CRYPT-DES');
  if (/^_[./0-9A-Za-z]{19}$/.test(rest)) throw unsupported('CRYPT-BSDI');
  throw malformed('CRYPT', 'the value is not a crypt(3) string');
}

function parseArgon2(rest: string): SourceHash {
  const match = /^\$(argon2id|argon2i|argon2d)\$(?:v=([0-9]+)\$)?m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(rest);
  if (!match) {
    if (/^\$argon2[a-z]*\$/.test(rest) && !/^\$argon2(id|i|d)\$/.test(rest)) throw unsupported(`ARGON2 ${rest.split('$')[1] ?? ''}`);
    throw malformed('ARGON2', 'expected a PHC string $argon2id$v=19$m=..,t=..,p=..$salt$hash');
  }
  // Absent v means version 1.0 (0x10), which hash-wasm does not implement.
  const version = match[2] === undefined ? 16 : Number(match[2]);
  if (version !== 19) throw unsupported(`ARGON2 v=${version}`);
  const m = Number(match[3]);
  const t = Number(match[4]);
  const p = Number(match[5]);
  if (p < 1 || p > MAX_ARGON2_PARALLELISM) throw malformed('ARGON2', 'the parallelism p is out of range');
  if (t < 1 || t > MAX_ARGON2_TIME) throw malformed('ARGON2', 'the time cost t is out of range');
  if (m < 8 * p || m > MAX_ARGON2_MEMORY_KIB) throw malformed('ARGON2', 'the memory cost m is out of range');
  const salt = decodeBase64(match[6] ?? '');
  const digest = decodeBase64(match[7] ?? '');
  if (!salt || salt.length < 8) throw malformed('ARGON2', 'the salt is not base64 of at least 8 bytes');
  if (!digest || digest.length < 4 || digest.length > MAX_PBKDF2_KEY_LENGTH) throw malformed('ARGON2', 'the hash is not base64 of a valid length');
  return { scheme: 'ARGON2', params: { type: match[1] ?? 'argon2id', version, m, t, p, salt: salt.toString('base64'), hashLength: digest.length }, digest };
}

// ---------------------------------------------------------------------------------------------
// password -> digest

function stringParam(scheme: string, params: Record<string, string | number>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string') throw malformed(scheme, `the parameter ${name} is missing`);
  return value;
}

function intParam(scheme: string, params: Record<string, string | number>, name: string, min: number, max: number): number {
  const value = params[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw malformed(scheme, `the parameter ${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function base64Param(scheme: string, params: Record<string, string | number>, name: string): Buffer {
  const bytes = decodeBase64(stringParam(scheme, params, name));
  if (!bytes) throw malformed(scheme, `the parameter ${name} is not base64`);
  return bytes;
}

/**
 * Recomputes the source digest for `password` under a scheme and its public parameters.
 * Throws PASSWORD_SCHEME_UNSUPPORTED for an unknown scheme, PASSWORD_HASH_MALFORMED for bad params,
 * PASSWORD_HASH_TOO_COSTLY beyond the cost bounds.
 */
export async function computeSourceDigest(scheme: string, params: Record<string, string | number>, password: string): Promise<Buffer> {
  const name = scheme.toUpperCase();
  assertWithinCostBounds(name, params);
  const pw = Buffer.from(password, 'utf8');
  const salted = SALTED[name];
  if (salted) return createHash(salted).update(pw).update(base64Param(name, params, 'salt')).digest();
  const unsalted = UNSALTED[name];
  if (unsalted) return createHash(unsalted).update(pw).digest();
  const pbkdf2Digest = name === 'PBKDF2_SHA256' ? 'sha256' : PBKDF2_DIGEST[name];
  if (pbkdf2Digest) {
    const iterations = intParam(name, params, 'iterations', 1, MAX_PBKDF2_ITERATIONS);
    const keyLength = intParam(name, params, 'keyLength', 1, MAX_PBKDF2_KEY_LENGTH);
    return pbkdf2Async(pw, base64Param(name, params, 'salt'), iterations, keyLength, pbkdf2Digest);
  }
  switch (name) {
    case 'CLEARTEXT':
      return createHash('sha256').update(pw).digest();
    case 'NT':
      // Node's OpenSSL 3 leaves MD4 in the legacy provider, so hash-wasm computes it.
      return Buffer.from(await md4(Buffer.from(password, 'utf16le')), 'hex');
    case 'CRYPT-MD5':
      return Buffer.from(md5CryptChecksum(pw, stringParam(name, params, 'salt')), 'ascii');
    case 'CRYPT-SHA256':
    case 'CRYPT-SHA512': {
      const rounds = intParam(name, params, 'rounds', SHA_CRYPT_MIN_ROUNDS, SHA_CRYPT_MAX_ROUNDS);
      const algorithm = name === 'CRYPT-SHA256' ? 'sha256' : 'sha512';
      return Buffer.from(shaCryptChecksum(algorithm, pw, stringParam(name, params, 'salt'), rounds), 'ascii');
    }
    case 'CRYPT-BCRYPT': {
      const cost = intParam(name, params, 'cost', 4, 31);
      const salt = decodeBcryptBase64(stringParam(name, params, 'salt'), 16);
      if (!salt) throw malformed(name, 'the salt is not bcrypt base64');
      // bcrypt only ever reads the first 72 bytes of the password.
      const encoded = await bcrypt({ password: pw.subarray(0, 72), salt, costFactor: cost, outputType: 'encoded' });
      return Buffer.from(encoded.slice(-31), 'ascii');
    }
    case 'ARGON2': {
      const type = stringParam(name, params, 'type');
      const fn = type === 'argon2id' ? argon2id : type === 'argon2i' ? argon2i : type === 'argon2d' ? argon2d : undefined;
      if (!fn) throw unsupported(`ARGON2 ${type}`);
      intParam(name, params, 'version', 19, 19);
      const parallelism = intParam(name, params, 'p', 1, MAX_ARGON2_PARALLELISM);
      const memorySize = intParam(name, params, 'm', 8 * parallelism, MAX_ARGON2_MEMORY_KIB);
      const iterations = intParam(name, params, 't', 1, MAX_ARGON2_TIME);
      const hashLength = intParam(name, params, 'hashLength', 4, MAX_PBKDF2_KEY_LENGTH);
      const salt = base64Param(name, params, 'salt');
      if (salt.length < 8) throw malformed(name, 'the salt is shorter than 8 bytes');
      const out = await fn({ password: pw, salt, parallelism, iterations, memorySize, hashLength, outputType: 'binary' });
      return Buffer.from(out);
    }
    default:
      throw unsupported(name);
  }
}
