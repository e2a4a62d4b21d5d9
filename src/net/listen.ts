import type { Server } from 'node:net';
import { KumaError } from '../core/errors.js';

export interface ListenOptions {
  port: number;
  /** Undefined binds every interface. */
  host?: string | undefined;
  /** Who is listening, for the message: "API server", "diagnostics server", … */
  name: string;
  /** The setting that picks the port (named when the port is taken), e.g. KUMA_API_SERVER_HTTP_PORT. */
  portSetting: string;
  /** The setting that picks the interface (named when the address is not on this machine). */
  interfaceSetting?: string;
}

/**
 * Binds `server` and resolves with the bound port (port 0 allowed). EADDRINUSE, EACCES and
 * EADDRNOTAVAIL become errors that name the setting to change, instead of a bare errno.
 */
export function listen(server: Server, opts: ListenOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = `${opts.host ?? '0.0.0.0'}:${opts.port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? `the port is already in use; stop the other process or change ${opts.portSetting}`
          : err.code === 'EACCES'
            ? `permission denied; pick a port above 1023 with ${opts.portSetting}`
            : err.code === 'EADDRNOTAVAIL'
              ? `the address is not on this machine; change ${opts.interfaceSetting ?? opts.portSetting}`
              : err.message;
      reject(new KumaError('ERR_LISTEN', `${opts.name} cannot listen on ${where}: ${why}`, { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : opts.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port, opts.host);
  });
}

/** Closes a server and every open connection, resolving when the port is free. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
