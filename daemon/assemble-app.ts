// The one place an App is put together: the store, the clock and the config, with the
// functions the lower layers are handed instead of importing upward (docs/architecture.md).
import type { App } from './app/app.js';
import { buildInstructions } from './app/instructions/instructions.js';

export const assembleApp = (parts: Omit<App, 'instructions'>): App => ({ ...parts, instructions: buildInstructions });
