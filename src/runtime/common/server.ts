/**
 * Listening and closing for the runtime's small HTTP(S) servers (admin, autoscaler stats,
 * admission webhook): one way to bind and report the port, one way to stop.
 */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Start listening; resolves with the bound port (`port` 0 picks a free one), rejects on a bind error. */
export function listenOn(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stop listening and close open (keep-alive) connections; resolves when the server has closed. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
