/** Loopback networking for tests. */

/** A loopback port that nothing listens on (free a moment ago); ops/image runs containers on one too. */
export { freePort } from '../../ops/engines/engine.ts';
