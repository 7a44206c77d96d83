export { parseStoredPassword, computeSourceDigest, type SourceHash, type PasswordAttribute } from './schemes.js';
export { deriveVerifier, checkPassword, sourceFingerprint, isValidKdfParams } from './verifier.js';
export { parseStoredPasswords, type ParsedPasswords } from './stored-passwords.js';
export { createDerivationPool, type DerivationPool } from './derive-pool.js';
export { hashAdminPassword, verifyAdminPassword } from './admin-password.js';
export { DEFAULT_KDF_PARAMS, type KdfParams, type PasswordVerifier } from './verifier-model.js';
