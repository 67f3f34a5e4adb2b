/** The engine's deterministic PRNG (mulberry32), so test data reproduces from a seed. */
export { seededRandom } from '../../src/core/random.js';
