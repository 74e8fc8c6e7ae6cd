/** The `skiff` command line: dispatches to one command. */
import { apiserverCommand } from './commands/apiserver.js';
import { capacityCommand } from './commands/capacity.js';
import { controllerManagerCommand } from './commands/controller-manager.js';
import { imageCommand } from './commands/image.js';
import { kubeletCommand } from './commands/kubelet.js';
import { schedulerCommand } from './commands/scheduler.js';
import { upCommand } from './commands/up.js';
import { podsCommand } from './commands/pods.js';
import { traceCommand } from './commands/trace.js';
import { UsageError, usage, type CommandSpec } from './flags.js';

const COMMANDS: CommandSpec[] = [
  upCommand,
  apiserverCommand,
  schedulerCommand,
  controllerManagerCommand,
  kubeletCommand,
  podsCommand,
  traceCommand,
  capacityCommand,
  imageCommand,
];

function help(): string {
  return [
    'skiff: a Kubernetes-compatible cluster runtime',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(20)} ${c.summary}`),
    '',
    'Run `skiff <command> --help` for its flags.',
  ].join('\n');
}

/** Runs the command line; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`skiff: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${usage(command)}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`skiff ${name}: ${err.message}\n\n${usage(command)}\n`);
      return 2;
    }
    process.stderr.write(`skiff ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
