import { defineStoreSuite } from './store-suite.js';

defineStoreSuite('sqlite');
