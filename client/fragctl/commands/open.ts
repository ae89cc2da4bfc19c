// fragctl open: a one-time login link to the local dashboard (docs/dashboard.md). The link
// works once, within a minute; the browser trades it for a session cookie, so the API
// token never appears in a URL. Opens a browser where there is one, never fails where not.
import { spawn } from 'node:child_process';
import type { Argv } from 'yargs';
import { run, type GlobalArgs } from '../runner.js';

interface OpenArgs extends GlobalArgs {
  browser?: boolean;
}

/** xdg-open, when a graphical session could show a browser; errors (none installed) are ignored. */
function openInBrowser(url: string): boolean {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  try {
    // An argv, no shell: the URL is never interpreted.
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export function openCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'open',
    'Open the local dashboard (prints a one-time login link, valid for 60 s)',
    (b) =>
      b
        .option('browser', {
          type: 'boolean',
          default: true,
          describe: 'start a browser with xdg-open where one is available (--no-browser: only print the link)',
        })
        .example('$0 open', 'opens the dashboard in your browser')
        .example(
          '$0 open --no-browser',
          'prints the link, e.g. to open it in a browser over ssh -L',
        ) as unknown as Argv<OpenArgs>,
    (argv) =>
      run(
        argv,
        (c) => c.call('dashboard.login', {}),
        (r) => {
          const opened = argv.browser !== false && argv.format !== 'json' && openInBrowser(r.url);
          return [
            r.url,
            `This link logs you in once, within ${r.expires_in_seconds} s${opened ? ' (opening your browser)' : ''}; run fragctl open again for a new one.`,
          ];
        },
      ),
  );
}
