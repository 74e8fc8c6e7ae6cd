/** Small helpers every command shares: flag parsing, help text, signals. */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command lines; main() prints it with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed flags; str() and bool() read one by name (its default when not given). */
export interface ParsedFlags {
  str(name: string): string;
  bool(name: string): boolean;
  has(name: string): boolean;
  readonly positionals: string[];
}

/** Parses `--flag value` / `--flag=value`; unknown flags are a UsageError. */
export function parseFlags(spec: CommandSpec, argv: string[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = f.default === undefined ? { type: f.type } : { type: f.type, default: f.default };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  return {
    str: (name) => {
      const v = values[name];
      return v === undefined ? '' : String(v);
    },
    bool: (name) => values[name] === true || values[name] === 'true',
    has: (name) => values[name] !== undefined && values[name] !== '',
    positionals,
  };
}

/** The usage text of a command. */
export function usage(spec: CommandSpec): string {
  const lines = [`skiff ${spec.name}: ${spec.summary}`, '', 'Flags:'];
  for (const [name, f] of Object.entries(spec.flags)) {
    const def = f.default === undefined ? '' : ` (default ${String(f.default)})`;
    lines.push(`  --${name}${f.type === 'string' ? ' VALUE' : ''}  ${f.help}${def}`);
  }
  return lines.join('\n');
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
