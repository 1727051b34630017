import { parseArgs } from 'node:util';

/**
 * The one argument parser of the scripts: node:util `parseArgs`, strict (an unknown option is an error,
 * not silently ignored), with `--help` / `-h` and a help text made from the same table the parser reads,
 * so the two cannot drift.
 */
export interface ScriptOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** What the value is called in the help (`--shards N`). */
  readonly value?: string;
  /** The help line; left out where the script writes its own usage text (the surge). */
  readonly help?: string;
}

export type ScriptOptions = Readonly<Record<string, ScriptOption>>;

export type ScriptValues<O extends ScriptOptions> = {
  readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** Bad arguments: the message says which, for the usage to follow it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One line an option, the help text aligned: `  --shards N            stock shards (32)`. */
export const optionsHelp = (options: ScriptOptions): string => {
  const withHelp: ScriptOptions = { ...options, help: { type: 'boolean', short: 'h', help: 'this text' } };
  const rows = Object.entries(withHelp).map(([name, option]) => [
    `--${name}${option.value ? ` ${option.value}` : ''}${option.short ? `, -${option.short}` : ''}`,
    option.help ?? '',
  ]);
  const width = Math.max(...rows.map(([flag]) => (flag as string).length)) + 2;
  return rows.map(([flag, help]) => `  ${(flag as string).padEnd(width)}${help}`).join('\n');
};

/**
 * Parses `argv` (without node and the script). Throws UsageError on an unknown option or a missing value;
 * `help` is true when `--help` or `-h` was given.
 */
export const parseScriptArgs = <O extends ScriptOptions>(
  options: O,
  argv: readonly string[],
  { positionals = false }: { readonly positionals?: boolean } = {},
): { values: ScriptValues<O>; positionals: string[]; help: boolean } => {
  try {
    const parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: positionals,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          Object.entries(options).map(([name, option]) => [
            name,
            { type: option.type, ...(option.short ? { short: option.short } : {}) },
          ]),
        ),
      },
    });
    const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
    return { values: values as ScriptValues<O>, positionals: parsed.positionals, help: help === true };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
};

/**
 * For a script's top level: the values, or (on `--help`) the usage printed and exit 0, or (on bad
 * arguments) the error and the usage on stderr and exit 2.
 */
export const scriptArgs = <O extends ScriptOptions>(
  script: {
    readonly name: string;
    readonly usage: string;
    readonly options: O;
    readonly positionals?: boolean;
  },
  argv: readonly string[] = process.argv.slice(2),
): { values: ScriptValues<O>; positionals: string[] } => {
  const usage = `${script.usage}\n\nOptions:\n${optionsHelp(script.options)}`;
  try {
    const parsed = parseScriptArgs(script.options, argv, { positionals: script.positionals ?? false });
    if (parsed.help) {
      console.log(usage);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${script.name}: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
};

/** A knob of a bench, from the environment: a positive whole number. */
export const intFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

/** A knob of a bench, from the environment: a share from 0 to 1. */
export const shareFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be between 0 and 1`);
  return value;
};
