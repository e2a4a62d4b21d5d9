import { Command, Option } from 'commander';
import { messageOf } from '../../core/errors.js';
import { prefetchedSigningKeys } from '../../managers/prefetched-keys.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/logger.js';
import { waitForShutdownSignal } from '../../runtime/signals.js';
import { newSigningKeyPem } from '../../tokens/signing-keys.js';
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
      // RSA key generation runs in the thread pool while the main thread loads the servers' modules
      // (fastify, gRPC: a few hundred ms); both are needed before the control plane is ready.
      const newSigningKey = prefetchedSigningKeys(3, newSigningKeyPem);
      const [{ loadKumaCpConfig }, { startControlPlane }] = await Promise.all([
        import('../../config/kuma-cp-config.js'),
        import('../../runtime/control-plane.js'),
      ]);
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
        cp = await startControlPlane(cfg, log, { newSigningKey });
      } catch (err) {
        log.error({ err: messageOf(err) }, 'unable to start the Control Plane');
        throw new CliError(messageOf(err));
      }
      const signal = await shutdown;
      log.info({ signal }, 'received signal, stopping');
      await cp.stop();
    });
}
