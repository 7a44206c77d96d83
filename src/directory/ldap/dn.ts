// The DN reading lives in ../dn.ts: one normalizer for every DN comparison.
export { dnParts, escapeDnValue, isDnWithin, normalizeDn } from '../dn.js';
