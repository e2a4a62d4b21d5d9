/**
 * What inbound and outbound listeners share: a net.Server bound to the configured address (port 0
 * allowed), the set of open connections, counters, rate-limited logging, and the graceful drain.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../../core/log.js';
import { closeServer, listen } from '../../net/listen.js';
import { ProxiedConnection } from './connection.js';
import { LogLimiter } from './log-limiter.js';
import { emptyStats, type CounterName, type ListenerStats } from './stats.js';

export abstract class ProxyListener {
  protected readonly server: Server;
  protected readonly logger: Logger;
  protected readonly limiter: LogLimiter;
  protected readonly open = new Set<ProxiedConnection>();
  private readonly totals: ListenerStats;
  private boundPort = 0;
  private stopped: Promise<void> | undefined;
  private emptied: (() => void) | undefined;

  protected constructor(
    readonly name: string,
    private readonly bindAddress: string,
    private readonly bindPort: number,
    private readonly portSetting: string,
    private readonly interfaceSetting: string,
    logger: Logger | undefined,
  ) {
    this.logger = (logger ?? silentLogger).child({ listener: name });
    this.limiter = new LogLimiter(this.logger);
    this.totals = emptyStats(name);
    // Half-open so that a client's FIN is forwarded while the answer still flows back; paused so
    // nothing is read before we know where it goes.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => this.accept(s));
    this.server.on('error', (err) => this.logger.error({ error: err.message }, 'listener error'));
  }

  protected async listen(): Promise<void> {
    this.boundPort = await listen(this.server, { port: this.bindPort, host: this.bindAddress, name: this.name, portSetting: this.portSetting, interfaceSetting: this.interfaceSetting });
    this.logger.info({ address: this.bindAddress, port: this.boundPort }, 'listener started');
  }

  get address(): string {
    return this.bindAddress;
  }

  /** The bound port (the configured one, or the one the OS chose for port 0). */
  get port(): number {
    return this.boundPort;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.totals.connections++;
    const conn = new ProxiedConnection(socket, (c) => this.finish(c));
    this.open.add(conn);
    try {
      this.handle(conn);
    } catch (err) {
      // A bug here must cost one connection, never the process.
      this.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'unexpected error while handling a connection; closing it');
      conn.destroy();
    }
  }

  /** True once stop() was called: connections closed by the drain are not failures. */
  protected get stopping(): boolean {
    return this.stopped !== undefined;
  }

  private finish(c: ProxiedConnection): void {
    this.open.delete(c);
    const b = c.bytes();
    this.totals.bytesReceived += b.received;
    this.totals.bytesSent += b.sent;
    if (this.open.size === 0) this.emptied?.();
  }

  protected abstract handle(conn: ProxiedConnection): void;

  protected count(counter: CounterName, by = 1): void {
    this.totals[counter] += by;
  }

  /** Counters since start; byte counts include connections still open. */
  stats(): ListenerStats {
    const s = { ...this.totals, active: this.open.size };
    for (const c of this.open) {
      const b = c.bytes();
      s.bytesReceived += b.received;
      s.bytesSent += b.sent;
    }
    return s;
  }

  /**
   * Graceful drain: stop accepting now, let open connections finish for up to `drainMs`, then
   * destroy what is left. Resolves when the port is free and every connection is closed.
   */
  stop(drainMs = 0): Promise<void> {
    this.stopped ??= this.drain(drainMs);
    return this.stopped;
  }

  private async drain(drainMs: number): Promise<void> {
    const closed = closeServer(this.server);
    if (this.open.size > 0 && drainMs > 0) {
      this.logger.info({ open: this.open.size, drainMs }, 'draining: no new connections, waiting for open ones to finish');
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.emptied = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
    }
    if (this.open.size > 0) this.logger.info({ open: this.open.size }, 'drain time is over: closing the remaining connections');
    for (const c of this.open) c.destroy();
    await closed;
    this.logger.info({}, 'listener stopped');
  }
}
