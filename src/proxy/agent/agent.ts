/**
 * The kuma-dp agent: verify the control plane, bootstrap, hold the config stream, run the proxy's
 * listeners from what it streams (ProxyController + DataPath), report readiness, drain on stop.
 * Exit code semantics: resolves when stopped (0); throws AgentError on problems that need an
 * operator (1).
 */
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import type { Logger } from '../../core/log.js';
import type { DataplaneConfig } from '../../gen/kuma/dp/v1/config_stream_pb.js';
import { buildClientTlsOptions, type ClientTlsSettings } from '../../tls/client-options.js';
import { sleep } from './backoff.js';
import { fetchBootstrap } from './bootstrap-client.js';
import { hasLocalIpv6 } from './bootstrap-request.js';
import { ConfigStreamClient } from './config-stream-client.js';
import { DataPath } from './data-path.js';
import type { DataPathSnapshot } from './data-path-snapshot.js';
import { ProxyController } from './proxy-controller.js';
import type { DataplaneDefinition } from './dataplane-template.js';
import { ReadinessServer } from './readiness.js';
import { loadToken, type TokenSource } from './token.js';

export interface AgentOptions {
  cpAddress: URL;
  tls: ClientTlsSettings;
  /** From the template, or --mesh/--name for a pre-created Dataplane. */
  mesh: string;
  name: string;
  definition: DataplaneDefinition | undefined;
  token: TokenSource;
  drainTimeMs: number;
  readinessPort: number;
  retryBackoffMs: number;
  retryMaxDurationMs: number;
  streamBackoff?: { baseMs: number; capMs: number };
  /** How long an unreadable or malformed token file is re-read on reconnect before it is fatal (30 s). */
  tokenGraceMs?: number;
  /** `--work-dir` (or the temporary one), reported in the bootstrap request. */
  workDir?: string;
  /** Kuma's bootstrap dynamicMetadata (`HOST_IP` from the environment). */
  dynamicMetadata?: Readonly<Record<string, string>>;
}

export interface RunningAgent {
  readinessPort(): Promise<number>;
  /** The latest applied Dataplane config. */
  config(): DataplaneConfig | undefined;
  /** The proxy's listeners, identity, permissions and endpoints as applied. */
  dataPath(): DataPathSnapshot;
  /** Starts the drain (readiness 503, wait drain time, close the stream). */
  stop(): void;
  /** Resolves when stopped cleanly; rejects with AgentError on a fatal problem. */
  done: Promise<void>;
}

export function startAgent(o: AgentOptions, logger: Logger): RunningAgent {
  const readiness = new ReadinessServer();
  const stopping = new AbortController();
  const streamStop = new AbortController();
  let stream: ConfigStreamClient | undefined;
  const listening = readiness.listen(o.readinessPort);
  const dataPath = new DataPath({ logger: logger.child({ component: 'proxy' }) });
  const controller = new ProxyController(dataPath, logger, {
    onFirstConfig: () => {
      if (readiness.state === 'NOT_READY') readiness.state = 'READY';
    },
  });

  const done = (async (): Promise<void> => {
    try {
      const port = await listening;
      logger.info({ port }, 'readiness server listening (GET /ready)');
      if (o.tls.skipVerify === true) {
        logger.warn({}, '[WARNING] --skip-verify is set, the Control Plane certificate will not be verified');
      }
      const tls = await buildClientTlsOptions(o.tls);
      const token = await loadToken(o.token); // fail on a bad token before dialling
      const boot = await fetchBootstrap(
        {
          cpAddress: o.cpAddress,
          tls,
          tlsSettings: o.tls,
          request: {
            mesh: o.mesh,
            name: o.name,
            token,
            tokenPath: o.token.kind === 'file' ? o.token.path : '',
            dataplaneJson: o.definition?.json ?? '',
            caCertPem: typeof tls.ca === 'string' ? tls.ca : '',
            dynamicMetadata: o.dynamicMetadata ?? {},
            readinessPort: port,
            workDir: o.workDir ?? '',
            ipv6Enabled: hasLocalIpv6(),
          },
          retryBackoffMs: o.retryBackoffMs,
          retryMaxDurationMs: o.retryMaxDurationMs,
        },
        logger,
        stopping.signal,
      );
      logger.info({ nodeId: boot.nodeId, xdsHost: boot.xdsHost, xdsPort: boot.xdsPort, authnType: boot.authnType }, 'bootstrap done');
      stream = new ConfigStreamClient(
        {
          host: boot.xdsHost,
          port: boot.xdsPort,
          tls: streamTls(tls, boot.caCertPem, o.tls),
          nodeId: boot.nodeId,
          dataplaneJson: o.definition?.json ?? '',
          loadToken: () => loadToken(o.token),
          ...(o.streamBackoff === undefined ? {} : { backoff: o.streamBackoff }),
          ...(o.tokenGraceMs === undefined ? {} : { tokenGraceMs: o.tokenGraceMs }),
        },
        logger,
        controller,
      );
      const client = stream;
      controller.attach((r) => client.send(r));
      await stream.run(streamStop.signal);
    } finally {
      streamStop.abort();
      controller.stop();
      await dataPath.stop(0);
      await readiness.close();
    }
  })();

  return {
    readinessPort: () => listening,
    config: () => controller.config,
    dataPath: () => dataPath.snapshot(),
    stop: () => {
      if (stopping.signal.aborted) return;
      stopping.abort();
      readiness.state = 'TERMINATING';
      logger.info({ drainTimeMs: o.drainTimeMs }, 'stopping: draining listeners before closing the config stream');
      // Listeners stop accepting now; open connections get the drain time to finish.
      void dataPath.stop(o.drainTimeMs);
      void sleep(o.drainTimeMs, new AbortController().signal).then(() => streamStop.abort());
    },
    done,
  };
}

/**
 * Trust for the stream: the CA the operator gave (which the bootstrap echoes back), else the system
 * roots plus what the DP server presented at bootstrap. The hostname is checked against xdsHost.
 */
function streamTls(tls: ConnectionOptions, bootstrapCa: string, settings: ClientTlsSettings): ConnectionOptions {
  if (settings.skipVerify === true || tls.ca !== undefined) return tls;
  return bootstrapCa === '' ? tls : { ...tls, ca: [...rootCertificates, bootstrapCa] };
}
