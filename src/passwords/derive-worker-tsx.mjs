// Development-only entry of the derivation worker (see spawnWorker in derive-pool.ts): registers
// tsx's loader in this worker thread, then runs the TypeScript worker. dist/ uses derive-worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./derive-worker.ts');
