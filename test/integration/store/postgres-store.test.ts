// Needs the PostgreSQL at DATABASE_URL_TEST (default postgres://postgres@127.0.0.1:5432/test);
// fails with a clear message when it cannot be reached.
import { defineStoreSuite } from './store-suite.js';

defineStoreSuite('postgres');
