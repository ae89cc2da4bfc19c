// Reliability tests run short in `npm test` (CI) and at full size with
// `npm run test:reliability` (RELIABILITY=full). The property tests in test/unit run their
// fewer cases the same way: `RELIABILITY=full npx vitest run test/unit` runs them all.
export const FULL = process.env.RELIABILITY === 'full';
export const scale = (short: number, full: number): number => (FULL ? full : short);
