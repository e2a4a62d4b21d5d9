import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { resolveKumaDpRunSettings, type KumaDpRunFlags } from '../../config/kuma-dp-run.js';
import { messageOf } from '../../core/errors.js';
import { startAgent } from '../../proxy/agent/agent.js';
import { checkDataplaneToken, type TokenSource } from '../../proxy/agent/token.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../runtime/logger.js';
import type { CliIo } from '../io.js';
import { CliError, collectList, configure } from '../program.js';
import { loadKumaDpDefinition } from './dataplane-definition.js';

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
      const definition = await loadKumaDpDefinition(s.dataplaneFile, s.dataplaneInline, s.dataplaneVars);
      const tempWorkDir = s.workDir === '';
      const workDir = tempWorkDir ? await mkdtemp(join(tmpdir(), 'kuma-dp-')) : s.workDir;
      // 0711: other local processes may traverse to sockets inside, but not list or read the files.
      if (tempWorkDir) {
        await chmod(workDir, 0o711);
        log.info({ dir: workDir }, 'generated configurations will be stored in a temporary directory');
      } else {
        await mkdir(workDir, { recursive: true, mode: 0o711 });
      }
      const mesh = definition?.mesh ?? s.mesh;
      const name = definition?.name ?? s.name;
      let token: TokenSource = { kind: 'none' };
      try {
        if (s.tokenFile !== '') {
          token = { kind: 'file', path: s.tokenFile };
        } else if (s.token !== '') {
          // As Kuma does: an inline token is kept in <work-dir>/<name> (0600) and used as the token file.
          const source = io.env['KUMA_DATAPLANE_RUNTIME_TOKEN'] !== undefined ? 'KUMA_DATAPLANE_RUNTIME_TOKEN' : '--dataplane-token';
          const path = join(workDir, /^[^/\\\0]+$/.test(name) && name !== '.' && name !== '..' ? name : 'dataplane-token');
          await writeFile(path, checkDataplaneToken(s.token, source), { mode: 0o600 });
          await chmod(path, 0o600);
          token = { kind: 'file', path };
        }
      } catch (err) {
        if (tempWorkDir) await rm(workDir, { recursive: true, force: true });
        throw err;
      }
      const agent = startAgent(
        {
          cpAddress: s.cpAddress,
          tls: {
            caFile: s.caCertFile,
            caPem: s.caCertPem,
            caPemSource: 'KUMA_CONTROL_PLANE_CA_CERT',
            skipVerify: s.skipVerify,
          },
          mesh,
          name,
          definition,
          token,
          drainTimeMs: s.drainTimeMs,
          readinessPort: s.readinessPort,
          retryBackoffMs: s.retryBackoffMs,
          retryMaxDurationMs: s.retryMaxDurationMs,
          workDir,
          dynamicMetadata: io.env['HOST_IP'] ? { HOST_IP: io.env['HOST_IP'] } : {},
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
