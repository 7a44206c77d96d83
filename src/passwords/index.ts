export { parseStoredPassword, computeSourceDigest, type SourceHash, type PasswordAttribute } from './schemes.js';
export { deriveVerifier, checkPassword, isValidKdfParams } from './verifier.js';
export { createDerivationPool, type DerivationPool } from './derive-pool.js';
export { hashAdminPassword, verifyAdminPassword, type AdminScryptParams } from './admin-password.js';
export { DEFAULT_KDF_PARAMS, type KdfParams, type PasswordVerifier } from './verifier-model.js';
