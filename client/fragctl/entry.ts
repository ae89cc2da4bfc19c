// fragctl's entry: hot commands take the fast path; everything else loads the full CLI.
import { fastPath } from './fast-path.js';

// A reader that went away (`fragctl session history | head -1`) is not an error: stop
// quietly, with the exit status the command already has, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

if (!(await fastPath(process.argv.slice(2)))) await import('./main.js');
