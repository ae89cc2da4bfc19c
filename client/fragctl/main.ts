// fragctl: the command line of fragd. Every command is a thin call of a protocol method.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { usageFailed, type GlobalArgs } from './runner.js';
import { sessionCommands, statusCommand } from './commands/session.js';
import { contextCommands, activityCommands } from './commands/context.js';
import { projectCommands, sprintCommands, taskCommands, importCommand } from './commands/items.js';
import { nextCommand } from './commands/next.js';
import { daemonCommands } from './commands/daemon.js';
import { completionCommands } from './commands/completion.js';
import { hooksCommands } from './commands/hooks.js';
import { watchCommand } from './commands/watch.js';
import { mcpCommand } from './commands/mcp.js';
import { reportCommand } from './commands/report.js';
import { usageCommand } from './commands/usage.js';
import { heartbeatCommand } from './commands/heartbeat.js';
import { promptCommand } from './commands/prompt.js';
import { intervalCommands } from './commands/intervals.js';
import { agentCommands } from './commands/agent.js';
import { setupCommand } from './commands/setup.js';
import { doctorCommand } from './commands/doctor.js';
import { openCommand } from './commands/open.js';
import { syncCommands } from './commands/sync.js';
import { estimateCommands } from './commands/estimate.js';
import { actorsCommand } from './commands/actors.js';
import { messageCommands } from './commands/messages.js';
import { reservationCommands } from './commands/reservations.js';

declare const __FRAGD_VERSION__: string;

let cli = yargs(hideBin(process.argv))
  .scriptName('fragctl')
  .usage('$0 <command> [options]\n\nWork sessions, context and time tracking for people and AI agents.')
  .option('json', { type: 'boolean', describe: 'print the JSON answer (for scripts and agents)', global: true })
  .option('format', { choices: ['text', 'md', 'json'], describe: 'output format', global: true })
  .option('session', {
    type: 'string',
    describe: 'session key (default: $FRAGMENTS_SESSION, else your current one)',
    global: true,
  })
  .option('actor', {
    type: 'string',
    describe: 'who works: human (default, $FRAGMENTS_ACTOR) or an agent name',
    global: true,
  })
  .option('full', {
    type: 'boolean',
    describe: "print long notes, messages and titles whole instead of cut to the terminal's width",
    global: true,
  })
  .option('autostart', {
    type: 'boolean',
    default: true,
    describe: 'start fragd when none answers (--no-autostart)',
    global: true,
  })
  // As git -C, make -C, tar -C: what fragctl suggests with paths of a repository (release
  // PATH...) carries -C ROOT, so it runs as written from any directory.
  .option('C', {
    type: 'string',
    requiresArg: true,
    describe: 'run as if fragctl was started in this directory (as git -C)',
    global: true,
  })
  .middleware((argv) => {
    const dir = argv.C;
    if (typeof dir !== 'string') return;
    try {
      process.chdir(dir);
    } catch (err) {
      usageFailed(
        `-C ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`,
      );
    }
  }, true) as unknown as Argv<GlobalArgs>;

for (const add of [
  sessionCommands,
  statusCommand,
  contextCommands,
  activityCommands,
  projectCommands,
  sprintCommands,
  taskCommands,
  nextCommand,
  importCommand,
  daemonCommands,
  ...completionCommands,
  mcpCommand,
  reportCommand,
  usageCommand,
  intervalCommands,
  heartbeatCommand,
  hooksCommands,
  watchCommand,
  promptCommand,
  agentCommands,
  setupCommand,
  doctorCommand,
  openCommand,
  syncCommands,
  estimateCommands,
  actorsCommand,
  messageCommands,
  reservationCommands,
]) {
  cli = add(cli);
}

await cli
  .completion('completion', 'Print a bash/zsh completion script (fragctl completion >> ~/.bashrc)')
  .demandCommand(1, 'name a command (see fragctl --help)')
  .recommendCommands()
  .strict()
  .version(typeof __FRAGD_VERSION__ === 'string' ? __FRAGD_VERSION__ : 'dev')
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg: string, err: Error | undefined) => {
    if (err) throw err;
    usageFailed(msg);
  })
  .parseAsync();
