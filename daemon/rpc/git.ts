// Handlers of the git-hook methods (shared/protocol/git.ts).
import type { gitMethods } from '../../shared/protocol/git.js';
import { listCommits } from '../app/git/git.js';
import { ingestSpool, prefetchRegisteredSpool } from '../app/git/spool.js';
import type { HandlersFor, Preparers } from './handler-types.js';

export const gitHandlers: HandlersFor<keyof typeof gitMethods> = {
  'spool.ingest': (c, p) => ingestSpool(c, p),
  'git.commits': (c, p) => listCommits(c, p),
};

/**
 * An explicit ingest (fragctl hooks ingest) reads git ahead asynchronously first, like
 * fragd's own passes, so no git runs synchronously inside the commit.
 */
export const gitPreparers: Preparers<keyof typeof gitMethods> = {
  'spool.ingest': (app, p) => (p?.prefetched_only ? Promise.resolve() : prefetchRegisteredSpool(app, p?.limit)),
};
