// Reliability tests run short in `npm test` (CI) and at full size with
// `npm run test:reliability` (RELIABILITY=full).
export const FULL = process.env.RELIABILITY === 'full';
export const scale = (short: number, full: number): number => (FULL ? full : short);
