// Handlers of the git-hook methods (shared/protocol/git.ts).
import type { gitMethods } from '../../shared/protocol/git.js';
import { listCommits } from '../app/git.js';
import { ingestSpool } from '../app/spool.js';
import type { HandlersFor } from './handlers.js';

export const gitHandlers: HandlersFor<keyof typeof gitMethods> = {
  'spool.ingest': (c, p) => ingestSpool(c, p),
  'git.commits': (c, p) => listCommits(c, p),
};
