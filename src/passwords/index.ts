export { parseStoredPassword, computeSourceDigest, type SourceHash, type PasswordAttribute } from './schemes.js';
export { deriveVerifier, checkPassword, isValidKdfParams, verifierProblem } from './verifier.js';
export { createDerivationPool, createPasswordPool, signInBusyError, type DerivationPool, type PasswordPool, type PasswordPoolOptions } from './derive-pool.js';
export { assertWithinCostBounds, COST_BOUNDS } from './cost-bounds.js';
export { hashAdminPassword, verifyAdminPassword, type AdminScryptParams } from './admin-password.js';
export {
  DEFAULT_KDF_PARAMS, KDF_PRESETS, KDF_PRESET_NAMES, isArgon2id, kdfFingerprint, kdfPresetOf, sameKdfParams,
  type Argon2idParams, type KdfParams, type KdfPreset, type PasswordVerifier, type ScryptParams,
} from './verifier-model.js';
