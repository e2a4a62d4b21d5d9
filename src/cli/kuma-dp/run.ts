import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { resolveKumaDpRunSettings, type KumaDpRunFlags } from '../../config/kuma-dp-run.js';
import { messageOf } from '../../core/errors.js';
import { loadDataplaneDefinition } from '../../proxy/agent/dataplane-template.js';
import { startAgent } from '../../proxy/agent/agent.js';
import type { TokenSource } from '../../proxy/agent/token.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/logger.js';
import type { CliIo } from '../io.js';
import { CliError, collectList, configure } from '../program.js';

interface RunFlags extends KumaDpRunFlags {
  logLevel: LogLevel;
}

/** `kuma-dp run`: verify and authenticate to the control plane, hold the config stream until SIGTERM. */
export function runCommand(io: CliIo): Command {
  return configure(new Command('run'), io)
    .description('Launch Dataplane (Envoy-free kuma-ts proxy)')
    .option('--cp-address <url>', 'URL of the Control Plane Dataplane Server. Example: https://localhost:5678 (default "https://localhost:5678")')
    .option('--ca-cert-file <path>', 'Path to CA cert by which connection to the Control Plane will be verified if HTTPS is used')
    .option('--skip-verify', 'If true, then the Control Plane certificate will not be verified (testing only)')
    .option('--name <name>', 'Name of the Dataplane')
    .option('--mesh <mesh>', 'Mesh that Dataplane belongs to')
    .option('--proxy-type <type>', 'type of the Dataplane ("dataplane")')
    .option('--drain-time <duration>', 'drain time before shutdown after SIGTERM (default 30s)')
    .option('--dataplane-token-file <path>', 'Path to a file with dataplane token (use \'kumactl generate dataplane-token\' to get one)')
    .option('--dataplane-token <token>', 'Dataplane Token')
    .option('--dataplane <yaml-or-json>', 'Dataplane template to apply (YAML or JSON)')
    .option('-d, --dataplane-file <path>', 'Path to Dataplane template to apply (YAML or JSON), - for stdin')
    .option('-v, --dataplane-var <key=value>', 'Variables to replace Dataplane template', collectList)
    .option('--work-dir <dir>', 'working directory for generated files (default: a temp dir removed on exit)')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action(async (flags: RunFlags) => {
      const log = createLogger(flags.logLevel);
      const s = resolveKumaDpRunSettings(flags, io.env);
      const definition = await loadDataplaneDefinition(s.dataplaneFile, s.dataplaneInline, s.dataplaneVars);
      const token: TokenSource =
        s.tokenFile !== ''
          ? { kind: 'file', path: s.tokenFile }
          : s.token !== ''
            ? { kind: 'inline', token: s.token, source: io.env['KUMA_DATAPLANE_RUNTIME_TOKEN'] !== undefined ? 'KUMA_DATAPLANE_RUNTIME_TOKEN' : '--dataplane-token' }
            : { kind: 'none' };
      const tempWorkDir = s.workDir === '';
      const workDir = tempWorkDir ? await mkdtemp(join(tmpdir(), 'kuma-dp-')) : s.workDir;
      if (tempWorkDir) await chmod(workDir, 0o711);
      else await mkdir(workDir, { recursive: true, mode: 0o711 });
      const agent = startAgent(
        {
          cpAddress: s.cpAddress,
          tls: {
            caFile: s.caCertFile,
            caPem: s.caCertPem,
            caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT',
            skipVerify: s.skipVerify,
          },
          mesh: definition?.mesh ?? s.mesh,
          name: definition?.name ?? s.name,
          definition,
          token,
          drainTimeMs: s.drainTimeMs,
          readinessPort: s.readinessPort,
          retryBackoffMs: s.retryBackoffMs,
          retryMaxDurationMs: s.retryMaxDurationMs,
        },
        log.child({ name: 'kuma-dp' }),
      );
      const onSignal = (signal: NodeJS.Signals): void => {
        log.info({ signal }, 'received signal, stopping');
        agent.stop();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        await agent.done;
        log.info({}, 'stopped');
      } catch (err) {
        log.error({ err: messageOf(err) }, 'kuma-dp stopped on an error');
        throw new CliError(messageOf(err));
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        if (tempWorkDir) await rm(workDir, { recursive: true, force: true });
      }
    });
}
