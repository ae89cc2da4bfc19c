// Progress of long work (an import of a year, setup's steps) on a terminal: one line on
// stderr, rewritten in place and cleared at the end, so what stdout prints (and what a pipe
// or --json gets) never changes. Without a terminal on stderr it says nothing at all.
export interface Progress {
  /** What is happening now, e.g. "importing 4000 of 18250 intervals". */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

const SILENT: Progress = { update: () => undefined, done: () => undefined };

export function progress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  let shown = false;
  return {
    update(text) {
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
