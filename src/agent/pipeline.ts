/**
 * One kind of sync work (directory, passwords) run one at a time, with at most one run pending:
 * a request made while a run is under way joins the pending run (the two requests merged), so
 * timers, pushes and heartbeats never queue duplicates, and each pipeline waits only for itself.
 */
export class Pipeline<Request, Result> {
  private running: Promise<void> | null = null;
  private pending: { request: Request; waiters: Array<(result: Result | null) => void> } | null = null;
  private stopped = false;

  constructor(
    private readonly run: (request: Request) => Promise<Result | null>,
    /** The one request that does the work of both (e.g. a full cycle covers a delta). */
    private readonly merge: (pending: Request, next: Request) => Request,
    private readonly onCrash: (error: unknown) => void,
  ) {}

  /** Resolves with the result of the run that served this request (null when stopped or crashed). */
  request(request: Request): Promise<Result | null> {
    if (this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => {
      if (this.pending) {
        this.pending.request = this.merge(this.pending.request, request);
        this.pending.waiters.push(resolve);
      } else {
        this.pending = { request, waiters: [resolve] };
      }
      if (!this.running) this.running = this.drain();
    });
  }

  /** Whether a run is under way or waiting. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Ends after the run under way; what was pending is dropped (its callers get null). */
  async stop(): Promise<void> {
    this.stopped = true;
    const dropped = this.pending;
    this.pending = null;
    for (const resolve of dropped?.waiters ?? []) resolve(null);
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      const { request, waiters } = this.pending;
      this.pending = null;
      let result: Result | null = null;
      try {
        result = await this.run(request);
      } catch (error) {
        this.onCrash(error);
      }
      for (const resolve of waiters) resolve(result);
    }
    this.running = null;
  }
}
