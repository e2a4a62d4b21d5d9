import { Command, Option } from 'commander';
import { messageOf } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/logger.js';
import type { CliIo } from '../io.js';
import { CliError, configure } from '../program.js';

interface MigrateFlags {
  configFile?: string;
  logLevel: LogLevel;
}

/** `kuma-cp migrate up`: bring the Postgres schema to this version's (Kuma's command and messages). */
export function migrateCommand(io: CliIo): Command {
  const up = configure(new Command('up'), io)
    .description('Migrate database to the newest version')
    .option('-c, --config-file <path>', 'configuration file')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: MigrateFlags) => {
      const [{ loadKumaCpConfig }, { connectPostgres }, { migrateUp }] = await Promise.all([
        import('../../config/kuma-cp-config.js'),
        import('../../runtime/store-backend.js'),
        import('../../store/postgres/migrator.js'),
      ]);
      const log = createLogger(flags.logLevel);
      try {
        const cfg = await loadKumaCpConfig({ configFile: flags.configFile, env: io.env, logger: log });
        if (cfg.store.type !== 'postgres') {
          throw new CliError(`migrations are not supported for ${cfg.store.type === 'memory' ? 'Memory' : cfg.store.type} resource store`);
        }
        const { pool } = await connectPostgres(cfg.store.postgres, log);
        try {
          const result = await migrateUp(pool, { tolerateNewerDBVersions: cfg.store.postgres.tolerateNewerDBVersions, log });
          io.out(result.applied.length > 0 ? `DB has been migrated for Kuma ${VERSION}\n` : `DB has already been migrated for Kuma ${VERSION}\n`);
        } finally {
          await pool.end().catch(() => undefined);
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(messageOf(err));
      }
    });
  return configure(new Command('migrate'), io).description('Migrate database to which Control Plane is connected').addCommand(up);
}
