import { Option, type Command } from 'commander';
import type { CliIo } from '../io.js';
import { processIo } from '../io.js';
import { createProgram, runProgram } from '../program.js';
import { configCommand } from './config/config-command.js';
import { durationFlag } from './flags.js';
import { generateCommand } from './generate/index.js';
import { inspectCommand } from './inspect/inspect-command.js';
import { installCommand } from './install/install-command.js';
import { KumactlContext, parseLogLevel, type KumactlOptions } from './kumactl-context.js';
import { applyCommand } from './resources/apply-command.js';
import { deleteCommand } from './resources/delete-command.js';
import { getCommand } from './resources/get-command.js';

interface RootFlags {
  configFile?: string;
  context?: string;
  logLevel: string;
  config: boolean; // false with --no-config
  apiTimeout: number;
}

/** The kumactl program; `ctx` carries the global flags to every subcommand. */
export function kumactlProgram(io: CliIo, opts: KumactlOptions = {}): { program: Command; ctx: KumactlContext } {
  const ctx = new KumactlContext(io, opts);
  const program = createProgram('kumactl', 'Management tool for Kuma.', io)
    .option('--config-file <path>', 'path to the configuration file to use (default "$HOME/.kumactl/config")')
    .option('--context <name>', 'context to use')
    .option('--log-level <level>', 'log level: one of off|info|debug', 'off')
    .addOption(new Option('--no-config', 'if set no config file and config directory will be created'))
    .addOption(
      new Option('--api-timeout <duration>', 'the timeout for api calls. It includes connection time, any redirects, and reading the response body. A timeout of zero means no timeout')
        .argParser(durationFlag('--api-timeout'))
        .default(60_000, '1m'),
    )
    .hook('preAction', (root) => {
      const f = root.opts<RootFlags>();
      ctx.flags = { configFile: f.configFile ?? '', context: f.context ?? '', noConfig: !f.config, apiTimeoutMs: f.apiTimeout, logLevel: parseLogLevel(f.logLevel) };
    });
  program
    .addCommand(applyCommand(ctx))
    .addCommand(configCommand(ctx))
    .addCommand(deleteCommand(ctx))
    .addCommand(generateCommand(io, ctx))
    .addCommand(getCommand(ctx))
    .addCommand(inspectCommand(ctx))
    .addCommand(installCommand(io, ctx));
  return { program, ctx };
}

export async function main(argv: string[], io: CliIo = processIo(), opts: KumactlOptions = {}): Promise<number> {
  const { program, ctx } = kumactlProgram(io, opts);
  try {
    return await runProgram(program, argv, io);
  } finally {
    ctx.close();
  }
}
