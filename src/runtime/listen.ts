import type { Server } from 'node:net';
import { KumaError } from '../core/errors.js';

/**
 * Binds `server` and resolves with the bound port. EADDRINUSE and EACCES become errors that name
 * the setting to change, instead of a bare errno.
 */
export function listen(server: Server, port: number, host: string | undefined, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = `${host ?? '0.0.0.0'}:${port}`;
      if (err.code === 'EADDRINUSE') {
        reject(new KumaError('ERR_PORT_IN_USE', `cannot listen on ${where}: the port is already in use; stop the other process or change ${setting}`, { cause: err }));
      } else if (err.code === 'EACCES') {
        reject(new KumaError('ERR_PORT_DENIED', `cannot listen on ${where}: permission denied; pick a port above 1023 with ${setting}`, { cause: err }));
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new KumaError('ERR_ADDRESS_UNAVAILABLE', `cannot listen on ${where}: the address is not on this machine; change ${setting}`, { cause: err }));
      } else {
        reject(new KumaError('ERR_LISTEN', `cannot listen on ${where}: ${err.message}`, { cause: err }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
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
