/**
 * The change watch of an Active Directory source: a cheap read of the DC's change position
 * (highestCommittedUSN on the root DSE) every few seconds. Any committed change on the DC moves
 * it, so a disable or a delete triggers a delta within one interval, and the password replication
 * uses the same poll to replicate a changed password at once. Windows and Samba both also offer
 * the change notification control (1.2.840.113556.1.4.528), but it watches one object or one
 * level per search (no subtree), which a USN poll of one root DSE attribute covers in one request.
 * https://learn.microsoft.com/en-us/windows/win32/ad/change-notifications-in-active-directory-domain-services
 */

/** Polls `probe` and calls `onChange` when its answer moves (never for the first answer). */
export function pollForChanges(probe: () => Promise<string | null>, intervalMs: number, onChange: () => void, onError: (error: unknown) => void): () => void {
  let last: string | null | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = async (): Promise<void> => {
    try {
      const now = await probe();
      if (last !== undefined && now !== last) onChange();
      last = now;
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
