// The price table shipped with fragd: US dollars per million tokens, as the vendors publish
// them (sources and date in docs/costs.md). A user's prices.json overrides it per model
// (prices.ts). Dated, so a report can say which prices it used; never edited in place
// without moving the date.
//
// cache_write is the 5-minute cache write (Claude Code's default; transcripts record the
// sum of 5-minute and 1-hour writes as cache_creation_input_tokens). Vendors without a
// cache-write price (OpenAI, Google bill cache storage by the hour instead) carry their
// input price there: a write, if one is ever recorded, is at least an input token.
// A tier applies to a whole request whose prompt (input + cache writes + cache reads) is
// above `above` tokens, as Anthropic's long-context and Google's >200k prices do.

export const SHIPPED_PRICES = {
  date: '2026-12-06',
  currency: 'USD' as const,
  models: {
    // Anthropic (docs.anthropic.com/en/docs/about-claude/pricing)
    'claude-opus-4-6': { input: '5', output: '25', cache_write: '6.25', cache_read: '0.50' },
    'claude-opus-4-5': { input: '5', output: '25', cache_write: '6.25', cache_read: '0.50' },
    'claude-opus-4-1': { input: '15', output: '75', cache_write: '18.75', cache_read: '1.50' },
    'claude-opus-4': { input: '15', output: '75', cache_write: '18.75', cache_read: '1.50' },
    'claude-sonnet-4-6': { input: '3', output: '15', cache_write: '3.75', cache_read: '0.30' },
    'claude-sonnet-4-5': {
      input: '3',
      output: '15',
      cache_write: '3.75',
      cache_read: '0.30',
      tiers: [{ above: 200_000, input: '6', output: '22.50', cache_write: '7.50', cache_read: '0.60' }],
    },
    'claude-sonnet-4': {
      input: '3',
      output: '15',
      cache_write: '3.75',
      cache_read: '0.30',
      tiers: [{ above: 200_000, input: '6', output: '22.50', cache_write: '7.50', cache_read: '0.60' }],
    },
    'claude-3-7-sonnet': { input: '3', output: '15', cache_write: '3.75', cache_read: '0.30' },
    'claude-3-5-sonnet': { input: '3', output: '15', cache_write: '3.75', cache_read: '0.30' },
    'claude-haiku-4-5': { input: '1', output: '5', cache_write: '1.25', cache_read: '0.10' },
    'claude-3-5-haiku': { input: '0.80', output: '4', cache_write: '1', cache_read: '0.08' },
    'claude-3-haiku': { input: '0.25', output: '1.25', cache_write: '0.30', cache_read: '0.03' },
    'claude-3-opus': { input: '15', output: '75', cache_write: '18.75', cache_read: '1.50' },
    // OpenAI (platform.openai.com/docs/pricing; Codex's models)
    'gpt-5.1-codex-mini': { input: '0.25', output: '2', cache_write: '0.25', cache_read: '0.025' },
    'gpt-5.1-codex': { input: '1.25', output: '10', cache_write: '1.25', cache_read: '0.125' },
    'gpt-5.1': { input: '1.25', output: '10', cache_write: '1.25', cache_read: '0.125' },
    'gpt-5-codex': { input: '1.25', output: '10', cache_write: '1.25', cache_read: '0.125' },
    'gpt-5-mini': { input: '0.25', output: '2', cache_write: '0.25', cache_read: '0.025' },
    'gpt-5-nano': { input: '0.05', output: '0.40', cache_write: '0.05', cache_read: '0.005' },
    'gpt-5': { input: '1.25', output: '10', cache_write: '1.25', cache_read: '0.125' },
    'codex-mini-latest': { input: '1.50', output: '6', cache_write: '1.50', cache_read: '0.375' },
    'gpt-4.1': { input: '2', output: '8', cache_write: '2', cache_read: '0.50' },
    o3: { input: '2', output: '8', cache_write: '2', cache_read: '0.50' },
    'o4-mini': { input: '1.10', output: '4.40', cache_write: '1.10', cache_read: '0.275' },
    // Google (ai.google.dev/gemini-api/docs/pricing; Gemini CLI's models)
    'gemini-3-pro-preview': {
      input: '2',
      output: '12',
      cache_write: '2',
      cache_read: '0.20',
      tiers: [{ above: 200_000, input: '4', output: '18', cache_write: '4', cache_read: '0.40' }],
    },
    'gemini-2.5-pro': {
      input: '1.25',
      output: '10',
      cache_write: '1.25',
      cache_read: '0.125',
      tiers: [{ above: 200_000, input: '2.50', output: '15', cache_write: '2.50', cache_read: '0.25' }],
    },
    'gemini-2.5-flash-lite': { input: '0.10', output: '0.40', cache_write: '0.10', cache_read: '0.01' },
    'gemini-2.5-flash': { input: '0.30', output: '2.50', cache_write: '0.30', cache_read: '0.03' },
  },
};
