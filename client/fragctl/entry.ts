// fragctl's entry: an agent's hook and the hot commands take short paths; everything else loads the full CLI.
import { fastPath } from './fast-path.js';

// A reader that went away (`fragctl session history | head -1`) is not an error: stop
// quietly, with the exit status the command already has, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

const args = process.argv.slice(2);
if (args[0] === 'agent' && args[1] === 'hook') await (await import('./agent-hook.js')).main(args.slice(2));
else if (!(await fastPath(args))) await import('./main.js');
