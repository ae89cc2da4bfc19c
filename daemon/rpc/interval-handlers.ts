// Handlers of the correction, import and undo methods (shared/protocol/intervals.ts).
import type { intervalMethods } from '../../shared/protocol/intervals.js';
import * as corrections from '../app/corrections/corrections.js';
import { importIntervals } from '../app/corrections/timewarrior.js';
import { listUndo, undo } from '../app/undo/undo.js';
import type { HandlersFor } from './handler-types.js';

export const intervalHandlers: HandlersFor<keyof typeof intervalMethods> = {
  'interval.list': (c, p) => corrections.listIntervals(c, p),
  'interval.track': (c, p) => corrections.track(c, p),
  'interval.edit': (c, p) => corrections.editInterval(c, p),
  'interval.split': (c, p) => corrections.splitInterval(c, p),
  'interval.join': (c, p) => corrections.joinIntervals(c, p),
  'interval.move': (c, p) => corrections.moveInterval(c, p),
  'interval.delete': (c, p) => corrections.deleteInterval(c, p),
  'interval.annotate': (c, p) => corrections.annotateInterval(c, p),
  'interval.import': (c, p) => importIntervals(c, p),
  undo: (c, p) => undo(c, p),
  'undo.list': (c, p) => listUndo(c, p),
};
