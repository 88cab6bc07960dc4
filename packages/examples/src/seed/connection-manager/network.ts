// Main side: the example's own little network, all on 127.0.0.1: a few LocalHosts and an HTTP
// discovery endpoint that lists them (what the thread's discover_hosts() asks). Nothing leaves
// the machine.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalHost } from './local-host';

export class LocalNetwork {
  readonly hosts: LocalHost[] = [];
  readonly #discovery: Server;

  private constructor(discovery: Server) {
    this.#discovery = discovery;
  }

  /** Start the discovery endpoint and `hostCount` hosts. */
  static async start(hostCount: number): Promise<LocalNetwork> {
    const discovery = createServer();
    const network = new LocalNetwork(discovery);
    discovery.on('request', (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(network.hosts.map((h) => h.address)));
    });
    await new Promise<void>((resolve) => discovery.listen({ host: '127.0.0.1', port: 0 }, resolve));
    for (let i = 0; i < hostCount; i += 1) await network.addHost();
    return network;
  }

  /** The URL the connection manager discovers hosts at. */
  get discoveryUrl(): string {
    const { port } = this.#discovery.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hosts`;
  }

  /** A new host joins: it is listed by discovery from now on. */
  async addHost(): Promise<LocalHost> {
    const host = new LocalHost();
    await host.start();
    this.hosts.push(host);
    return host;
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.stop()));
    await new Promise<void>((resolve) => {
      this.#discovery.close(() => resolve());
      this.#discovery.closeAllConnections();
    });
  }
}
