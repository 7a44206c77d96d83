/**
 * Batches sized by count and by bytes. The tenant refuses a request body over its limit (64 MB by
 * default, less behind a proxy), and 1,000 large groups exceed it: so a batch closes at whichever
 * of the two limits it reaches first, and a batch refused as too large is split in two and sent
 * again (`sendSplitting`).
 */
import { isAppError } from '../shared/errors.js';

export interface BatchLimits {
  /** Changes per batch. */
  maxCount: number;
  /** Bytes of JSON per batch, well below the tenant's body limit. */
  maxBytes: number;
}

export const DEFAULT_OBJECT_BATCH: BatchLimits = { maxCount: 1000, maxBytes: 8 * 1024 * 1024 };
export const DEFAULT_PASSWORD_BATCH: BatchLimits = { maxCount: 200, maxBytes: 8 * 1024 * 1024 };

/** UTF-8 bytes of an item's JSON: what it adds to a request body (give or take a comma). */
export function jsonBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item));
}

/** Cuts `items` into batches of at most maxCount items and maxBytes bytes (an item larger than maxBytes goes alone). */
export function splitIntoBatches<T>(items: readonly T[], limits: BatchLimits, sizeOf: (item: T) => number = jsonBytes): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item) + 1;
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Whether the tenant (or a proxy before it) refused a request because its body was too large. */
export function isTooLarge(error: unknown): boolean {
  return isAppError(error) && error.code === 'REQUEST_TOO_LARGE';
}

/**
 * Sends a batch; when it is refused as too large, sends each half instead (recursively). A single
 * item still too large is handed to `tooLargeAlone`, which makes it a per-object error, so one
 * oversized group never stops every cycle.
 */
export async function sendSplitting<T>(
  items: T[],
  send: (items: T[]) => Promise<void>,
  tooLargeAlone: (item: T, error: unknown) => void,
): Promise<void> {
  try {
    await send(items);
  } catch (error) {
    if (!isTooLarge(error)) throw error;
    if (items.length === 1) {
      tooLargeAlone(items[0]!, error);
      return;
    }
    const half = Math.ceil(items.length / 2);
    await sendSplitting(items.slice(0, half), send, tooLargeAlone);
    await sendSplitting(items.slice(half), send, tooLargeAlone);
  }
}
