/**
 * `skiff image import NAME PATH`: puts a root filesystem (a directory or a tar of one, or an OCI-layout tar)
 * into the kubelet's image store for the runc runtime. `--entrypoint` and `--cmd` (JSON arrays, as in an
 * image config) set or override what a container without a command runs.
 */
import os from 'node:os';
import { join } from 'node:path';
import { importImage, type ImageConfig } from '@skiff/kubelet';
import { parseFlags, UsageError, type CommandSpec } from '../flags.js';

export const imageCommand: CommandSpec = {
  name: 'image',
  summary: 'Local images for `--container-runtime=runc`: `skiff image import busybox ./rootfs.tar`',
  flags: {
    'root-dir': {
      type: 'string',
      default: join(os.homedir(), '.skiff', 'kubelet'),
      help: "the kubelet's state directory (its --root-dir)",
    },
    entrypoint: { type: 'string', default: '', help: 'the image\'s Entrypoint as a JSON array: --entrypoint=\'["/bin/sh","-c"]\'' },
    cmd: { type: 'string', default: '', help: "the image's Cmd as a JSON array: --cmd='[\"echo hello\"]'" },
  },
  async run(argv) {
    const flags = parseFlags(imageCommand, argv);
    const [verb, name, source, ...extra] = flags.positionals;
    if (verb !== 'import') throw new UsageError('usage: skiff image import NAME PATH [--root-dir DIR]');
    if (name === undefined || source === undefined || extra.length > 0) throw new UsageError('import needs NAME and PATH');
    const config: ImageConfig = {};
    const entrypoint = stringArrayFlag(flags.str('entrypoint'), 'entrypoint');
    const cmd = stringArrayFlag(flags.str('cmd'), 'cmd');
    if (entrypoint !== undefined) config.Entrypoint = entrypoint;
    if (cmd !== undefined) config.Cmd = cmd;
    const image = await importImage(flags.str('root-dir'), name, source, config);
    process.stdout.write(`imported ${image.name}\n`);
    return 0;
  },
};

/** A flag holding a JSON array of strings; undefined when empty. */
function stringArrayFlag(text: string, name: string): string[] | undefined {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new UsageError(`--${name} must be a JSON array of strings, e.g. --${name}='["sh","-c"]', not ${text}`);
  }
  return value as string[];
}
