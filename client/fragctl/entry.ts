// fragctl's entry: an agent's hook and the hot commands take short paths; everything else loads the full CLI.
import { fastPath } from './fast-path.js';

const args = process.argv.slice(2);
if (args[0] === 'agent' && args[1] === 'hook') await (await import('./agent-hook.js')).main(args.slice(2));
else if (!(await fastPath(args))) await import('./main.js');
