// An editor extension's use of the fragd client library: a status-bar item that shows the
// current session (SESSION-003 · T-01 · 1h12m), refreshed by live events rather than by
// polling, and heartbeats sent as the user edits. Everything it knows comes from daemon
// methods; it keeps no rule of its own.
//
// In an extension, import the library from the package:
//   import { FragClient, isDisconnect, type DaemonEvent } from 'fragd/client';
// (this file imports it by path so that it compiles and is tested inside the repository).
//
// Run directly (after bundling, e.g. npx esbuild --bundle --platform=node --format=esm
// examples/editor-client.ts --outfile=/tmp/ec.mjs --packages=external && node /tmp/ec.mjs), it prints
// each new status line.
import { FragClient, isDisconnect, type DaemonEvent } from '../client/lib/client.js';
import { formatDuration } from '../shared/format.js';

export interface EditorStatusOptions {
  /** The editor's name, sent with each heartbeat (e.g. vscode, neovim). */
  editor: string;
  /** Called with the new status-bar text whenever it changes. */
  onLine: (line: string) => void;
  /** Pin the status bar to one session (default: $FRAGMENTS_SESSION, else the user's current one). */
  session?: string;
  env?: NodeJS.ProcessEnv;
}

export class EditorStatus {
  private client!: FragClient;
  private line = '';
  private disposed = false;
  private refreshing: Promise<void> = Promise.resolve();
  /** Every event seen, newest last (an extension might show them in an output panel). */
  readonly events: DaemonEvent[] = [];

  private constructor(private readonly opts: EditorStatusOptions) {}

  /** Connects (starting fragd if none runs), subscribes, shows the first line. */
  static async start(opts: EditorStatusOptions): Promise<EditorStatus> {
    const status = new EditorStatus(opts);
    status.client = await FragClient.connect({ env: opts.env, clientName: `${opts.editor}-extension` });
    await status.client.subscribe((e) => status.onEvent(e), status.session);
    await status.refresh();
    void status.keepConnected();
    return status;
  }

  private get session(): string | undefined {
    return this.opts.session ?? (this.opts.env ?? process.env).FRAGMENTS_SESSION;
  }

  private onEvent(e: DaemonEvent): void {
    this.events.push(e);
    // Serialise refreshes so lines appear in the order of the events that caused them.
    this.refreshing = this.refreshing.then(() => this.refresh());
  }

  /** The line for the status bar, from session.status (a plain read). */
  async refresh(): Promise<void> {
    let line: string;
    try {
      const { session: s } = await this.client.call(
        'session.status',
        this.session ? { session: this.session, source: 'editor' } : { source: 'editor' },
      );
      const work = s.active.subtask ?? s.active.task;
      line = [
        s.key,
        ...(s.status === 'paused' ? ['paused'] : []),
        ...(work ? [work] : []),
        formatDuration(s.active_seconds),
      ].join(' · ');
    } catch (err) {
      if (isDisconnect(err)) return; // keepConnected() takes over
      line = 'no session';
    }
    if (line !== this.line) {
      this.line = line;
      this.opts.onLine(line);
    }
  }

  /** Tell fragd the user is working on a file (keeps the session from idling). */
  heartbeat(file: string, language?: string) {
    return this.client.call('heartbeat', {
      file,
      language,
      editor: this.opts.editor,
      source: 'editor',
      ...(this.session ? { session: this.session } : {}),
    });
  }

  /** After fragd restarts (upgrade, crash), reconnect and re-subscribe; the library restores the subscription. */
  private async keepConnected(): Promise<void> {
    while (!this.disposed) {
      await this.client.closed();
      if (this.disposed) return;
      this.opts.onLine('fragd: reconnecting…');
      this.line = '';
      for (let delay = 100; !this.disposed; delay = Math.min(delay * 2, 2000)) {
        await new Promise((r) => setTimeout(r, delay));
        try {
          await this.client.reconnect();
          await this.refresh();
          break;
        } catch {
          /* not back yet */
        }
      }
    }
  }

  get current(): string {
    return this.line;
  }

  dispose(): void {
    this.disposed = true;
    this.client.close();
  }
}

// Run directly: print each new status line until Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const status = await EditorStatus.start({ editor: 'example', onLine: (l) => console.log(l) });
  process.once('SIGINT', () => status.dispose());
}
