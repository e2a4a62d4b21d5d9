import { Command, CommanderError, Help, Option } from 'commander';
import { KumaError, messageOf } from '../core/errors.js';
import { IMPLEMENTATION, PRODUCT, VERSION } from '../core/version.js';
import type { CliIo } from './io.js';

/** A user error in a CLI invocation: printed as `Error: <message>`, exit code 1, no stack. */
export class CliError extends KumaError {
  constructor(message: string) {
    super('ERR_CLI', message);
  }
}

/** Builds a commander program that writes through `io` and reports errors the way Kuma's CLIs do. */
export function createProgram(name: string, description: string, io: CliIo): Command {
  const program = new Command(name);
  configure(program, io);
  program
    .description(description)
    .helpOption('-h, --help', 'help for ' + name)
    .showSuggestionAfterError(true);
  // The root `--version` is answered by runProgram, and only as the first argument (cobra's root flag
  // is not inherited): commander would take it anywhere, even from a subcommand's own `--version 2.9.1`.
  const versionHelp = new Option('--version', 'print the version and exit');
  program.configureHelp({
    visibleOptions(this: Help, cmd: Command): Option[] {
      const options = Help.prototype.visibleOptions.call(this, cmd);
      return cmd === program ? [versionHelp, ...options] : options;
    },
  });
  program.addCommand(versionCommand(io));
  return program;
}

/** Every subcommand must be configured too: commander does not inherit output settings. */
export function configure(cmd: Command, io: CliIo): Command {
  return cmd
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => {}, getOutHelpWidth: () => io.columns ?? 80, getErrHelpWidth: () => io.columns ?? 80 })
    .allowExcessArguments(false);
}

function versionCommand(io: CliIo): Command {
  return configure(new Command('version'), io)
    .description('Print version')
    .option('-a, --detailed', 'Print detailed version', false)
    .action((opts: { detailed: boolean }) => {
      if (opts.detailed) {
        io.out(`Product: ${PRODUCT}\nVersion: ${VERSION}\nImplementation: ${IMPLEMENTATION}\nNode.js: ${process.version}\n`);
      } else {
        io.out(`${PRODUCT}: ${VERSION}\n`);
      }
    });
}

/** Cobra's wording for missing required flags, which Kuma's docs and scripts quote. */
export function requireFlags(cmd: Command, names: string[]): void {
  const missing = names.filter((n) => cmd.getOptionValueSource(camel(n)) === undefined).sort();
  if (missing.length > 0) throw new CliError(`required flag(s) "${missing.join('", "')}" not set`);
}

/** `--flag a,b --flag c` ⇒ ['a','b','c'] (cobra StringSlice semantics; empty items dropped). */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Runs `program` on argv (without node and script), returning the exit code. */
export async function runProgram(program: Command, argv: string[], io: CliIo): Promise<number> {
  if (argv[0] === '--version') {
    io.out(`${PRODUCT}: ${VERSION}\n`);
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      io.err(`Error: ${translateCommanderError(err)}\n`);
      return 1;
    }
    io.err(`Error: ${messageOf(err)}\n`);
    if (!(err instanceof KumaError) && process.env['KUMA_TS_DEBUG'] === '1') io.err(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

/** Commander's texts reworded as cobra's, so error output matches Kuma's documentation. */
function translateCommanderError(err: CommanderError): string {
  const msg = err.message.replace(/^error: /, '');
  const quoted = /'([^']+)'/.exec(msg)?.[1];
  switch (err.code) {
    case 'commander.unknownOption':
      return `unknown flag: ${(quoted ?? msg).split('=')[0]}`;
    case 'commander.unknownCommand':
      return `unknown command "${quoted ?? msg}"`;
    case 'commander.excessArguments':
      return `unexpected arguments: ${msg}`;
    case 'commander.optionMissingArgument':
      return `flag needs an argument: ${quoted?.split(' ')[0] ?? msg}`;
    default:
      return msg;
  }
}
