import { messageOf } from '../../core/errors.js';
import type { CliIo } from '../io.js';
import { CliError } from '../program.js';
import { ApiClient } from './api/api-client.js';
import type { ApiServerCoordinates, ControlPlane, KumactlConfig } from './config/config-model.js';
import { currentContextOf, defaultConfig, findContext, findControlPlane } from './config/config-model.js';
import { defaultConfigFile, loadOrCreateConfigFile, saveConfigFile } from './config/config-store.js';

/** What the root command's flags say (see main.ts). */
export interface GlobalFlags {
  configFile: string;
  context: string;
  noConfig: boolean;
  apiTimeoutMs: number;
  logLevel: 'off' | 'info' | 'debug';
}

/** Seams for tests: a fixed clock and stdin content. */
export interface KumactlOptions {
  now?: () => Date;
  readStdin?: () => Promise<string>;
}

const LOG_LEVELS = ['off', 'info', 'debug'] as const;

export function parseLogLevel(text: string): GlobalFlags['logLevel'] {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as GlobalFlags['logLevel'];
  throw new CliError(`unknown log level ${JSON.stringify(text)}`);
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const BROKEN = 'apparently, configuration is broken. Use `kumactl config control-planes add` to add a Control Plane and make it active';

/**
 * Per-invocation state of kumactl (Kuma's RootContext): the global flags, the configuration (read
 * only when a command needs it, so `version` or `generate tls-certificate` never touch
 * ~/.kumactl), API clients (closed when the command ends), the clock and stdin.
 */
export class KumactlContext {
  flags: GlobalFlags = { configFile: '', context: '', noConfig: false, apiTimeoutMs: 60_000, logLevel: 'off' };
  private loaded: KumactlConfig | undefined;
  private readonly clients: ApiClient[] = [];

  constructor(
    readonly io: CliIo,
    private readonly opts: KumactlOptions = {},
  ) {}

  now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  readStdin(): Promise<string> {
    return (this.opts.readStdin ?? readProcessStdin)();
  }

  debug(line: string): void {
    if (this.flags.logLevel === 'debug') this.io.err(`${line}\n`);
  }

  configFile(): string {
    return this.flags.configFile !== '' ? this.flags.configFile : defaultConfigFile(this.io.env);
  }

  /** The configuration; with --no-config the in-memory default, else the file (created on first use). */
  async config(): Promise<KumactlConfig> {
    if (!this.loaded) this.loaded = this.flags.noConfig ? defaultConfig() : await loadOrCreateConfigFile(this.configFile());
    return this.loaded;
  }

  /** Refuses with --no-config instead of pretending: nothing is ever written in that mode. */
  assertWritable(): void {
    if (this.flags.noConfig) {
      throw new CliError('--no-config is set, so the configuration cannot be changed (nothing is written); run the command without --no-config');
    }
  }

  async saveConfig(): Promise<void> {
    this.assertWritable();
    await saveConfigFile(this.configFile(), await this.config());
  }

  /**
   * The control plane commands talk to. `--context X` picks context X (Kuma treats X as a control
   * plane name; that still works when no context is called X).
   */
  async currentControlPlane(): Promise<ControlPlane> {
    const cfg = await this.config();
    let cpName: string;
    if (this.flags.context !== '') {
      cpName = findContext(cfg, this.flags.context)?.controlPlane ?? this.flags.context;
    } else {
      if (cfg.currentContext === '') {
        throw new CliError('active Control Plane is not set. Use `kumactl config control-planes add` to add a Control Plane and make it active');
      }
      const ctx = currentContextOf(cfg);
      if (!ctx) throw new CliError(BROKEN);
      cpName = ctx.controlPlane;
    }
    const cp = findControlPlane(cfg, cpName);
    if (!cp) {
      if (this.flags.context !== '') throw new CliError(`there is no context or Control Plane with name ${JSON.stringify(this.flags.context)} (see kumactl config control-planes list)`);
      throw new CliError(BROKEN);
    }
    return cp;
  }

  /** A client for explicit coordinates (used by `config control-planes add` before saving). */
  async clientFor(coordinates: ApiServerCoordinates, withAuth: boolean): Promise<ApiClient> {
    const client = await ApiClient.create({ coordinates, timeoutMs: this.flags.apiTimeoutMs, withAuth, debug: (l) => this.debug(l) });
    this.clients.push(client);
    return client;
  }

  /** A client for the current control plane, with its authentication. */
  async apiClient(): Promise<ApiClient> {
    const cp = await this.currentControlPlane();
    try {
      return await this.clientFor(cp.coordinates.apiServer, true);
    } catch (err) {
      throw new CliError(`failed to create a client for Control Plane ${JSON.stringify(cp.name)}: ${messageOf(err)}`);
    }
  }

  close(): void {
    for (const c of this.clients.splice(0)) c.close();
  }
}
