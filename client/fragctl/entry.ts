// fragctl's entry: hot commands take the fast path; everything else loads the full CLI.
import { fastPath } from './fast-path.js';

if (!(await fastPath(process.argv.slice(2)))) await import('./main.js');
