export { parseStoredPassword, computeSourceDigest, type SourceHash, type PasswordAttribute } from './schemes.js';
export { deriveVerifier, checkPassword, isValidKdfParams, verifierProblem } from './verifier.js';
export { createDerivationPool, createPasswordPool, type DerivationPool, type PasswordPool, type PasswordPoolOptions } from './derive-pool.js';
export { assertWithinCostBounds, COST_BOUNDS } from './cost-bounds.js';
export { hashAdminPassword, verifyAdminPassword } from './admin-password.js';
export { DEFAULT_KDF_PARAMS, type KdfParams, type PasswordVerifier } from './verifier-model.js';
