/** `skiff image import NAME PATH`: puts a root filesystem (a directory or a tar of one) into the kubelet's image store for the runc runtime. */
import os from 'node:os';
import { join } from 'node:path';
import { importImage } from '@skiff/kubelet';
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
  },
  async run(argv) {
    const flags = parseFlags(imageCommand, argv);
    const [verb, name, source, ...extra] = flags.positionals;
    if (verb !== 'import') throw new UsageError('usage: skiff image import NAME PATH [--root-dir DIR]');
    if (name === undefined || source === undefined || extra.length > 0) throw new UsageError('import needs NAME and PATH');
    const image = await importImage(flags.str('root-dir'), name, source);
    process.stdout.write(`imported ${image.name}\n`);
    return 0;
  },
};
