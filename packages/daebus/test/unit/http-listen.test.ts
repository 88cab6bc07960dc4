// How a server of the service listens: on an address, with Fastify's routes served; on
// `localhost`, on each address the name has; on a taken port, LISTEN_FAILED and
// nothing left listening.
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { listen } from '../../src/main/http/listen';

const apps: FastifyInstance[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  blockers.splice(0).forEach((s) => s.close());
});

function served(): FastifyInstance {
  const app = Fastify();
  app.get('/x', () => ({ ok: true }));
  apps.push(app);
  return app;
}

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    async (res) => res.status === 200 && ((await res.json()) as { ok: boolean }).ok,
    () => false,
  );
}

describe('listen', () => {
  it('serves the routes on the port it resolves with', async () => {
    const port = await listen(served(), '127.0.0.1', 0, 'HTTP server');
    expect(port).toBeGreaterThan(0);
    expect(await answers(`http://127.0.0.1:${port}/x`)).toBe(true);
  });

  it('serves localhost on each address the name has on this machine (127.0.0.1, and ::1 where it has both)', async () => {
    const port = await listen(served(), 'localhost', 0, 'HTTP server');
    const addresses = await lookup('localhost', { all: true });
    expect(addresses.length).toBeGreaterThan(0);
    for (const { address, family } of addresses) {
      expect(await answers(`http://${family === 6 ? `[${address}]` : address}:${port}/x`)).toBe(true);
    }
  });

  it('fails with LISTEN_FAILED on a taken port, and leaves no listener behind', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const app = served();
    await expect(listen(app, '127.0.0.1', port, 'HTTP server')).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
      message: expect.stringMatching(new RegExp(`^The HTTP server could not listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`)),
    });
    expect(app.server.listening).toBe(false);
    expect(app.server.listenerCount('error')).toBe(0);
  });
});
