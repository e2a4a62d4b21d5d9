import { Command, Option } from 'commander';
import { loadKumaCpConfig } from '../../config/kuma-cp-config.js';
import { messageOf } from '../../core/errors.js';
import { startControlPlane } from '../../runtime/control-plane.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/logger.js';
import { waitForShutdownSignal } from '../../runtime/signals.js';
import type { CliIo } from '../io.js';
import { CliError, configure } from '../program.js';

interface RunFlags {
  configFile?: string;
  logLevel: LogLevel;
}

/** `kuma-cp run`: load the config (defaults < file < env), start every component, stop on SIGTERM/SIGINT. */
export function runCommand(io: CliIo): Command {
  return configure(new Command('run'), io)
    .description('Launch Control Plane')
    .option('-c, --config-file <path>', 'configuration file')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: RunFlags) => {
      const log = createLogger(flags.logLevel);
      let cfg;
      try {
        cfg = await loadKumaCpConfig({ configFile: flags.configFile, env: io.env, logger: log });
      } catch (err) {
        log.error({ err: messageOf(err) }, 'could not load the configuration');
        throw new CliError(messageOf(err));
      }
      // Listen before starting: a signal during start-up then stops the control plane gracefully
      // once it is up, instead of killing it half-started.
      const shutdown = waitForShutdownSignal();
      let cp;
      try {
        cp = await startControlPlane(cfg, log);
      } catch (err) {
        log.error({ err: messageOf(err) }, 'unable to start the Control Plane');
        throw new CliError(messageOf(err));
      }
      const signal = await shutdown;
      log.info({ signal }, 'received signal, stopping');
      await cp.stop();
    });
}
