import { createServer } from 'node:net';
import { PortInUseError } from './errors.js';

/** Asks the OS for a free TCP port on `host` (port 0), then releases it for the caller. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something already listens on host:port. */
export async function isPortTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, host, () => server.close(() => resolve(false)));
  });
}

/** Throws PortInUseError naming the part and the port when the port is taken. */
export async function assertPortFree(part: string, host: string, port: number): Promise<void> {
  if (port === 0) return;
  if (await isPortTaken(host, port)) throw new PortInUseError(part, host, port);
}
