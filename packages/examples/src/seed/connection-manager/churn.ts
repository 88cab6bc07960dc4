// Main side, for the runnable service only: hosts come and go. Every few seconds one host goes
// down for a while (its connections drop) and comes back on the same port; now and then a new
// host joins.
import type { Logger } from 'daebus';
import type { LocalNetwork } from './network';

const EVERY_MS = 12_000;
const DOWN_MS = 6_000;
const MAX_HOSTS = 5;

/** Start the churn; returns a function that ends it. */
export function churn(network: LocalNetwork, logger: Logger): () => void {
  let round = 0;
  const timer = setInterval(() => {
    round += 1;
    if (round % 3 === 0 && network.hosts.length < MAX_HOSTS) {
      void network.addHost().then((host) => logger.info(`network: new host ${host.address} joined`));
      return;
    }
    const up = network.hosts.filter((h) => h.isUp);
    const host = up[Math.floor(Math.random() * up.length)];
    if (!host) return;
    logger.info(`network: host ${host.address} goes down for ${DOWN_MS / 1000} s`);
    void host.stop();
    setTimeout(() => {
      void host.start().then(() => logger.info(`network: host ${host.address} is back`));
    }, DOWN_MS).unref();
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
