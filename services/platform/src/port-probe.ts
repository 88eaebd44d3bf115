import { createServer } from 'node:net';

/**
 * True when `host:port` can be listened on right now (port 0 always can). Checked before the
 * data folder is opened, so a second start fails on its ports without touching the database;
 * the real listen later still reports a port taken in between.
 */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return true;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw err;
  } finally {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
