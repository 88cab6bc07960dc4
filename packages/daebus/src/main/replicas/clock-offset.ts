/** A round trip this slow or slower says little about the clocks, unless no faster one was seen. */
const TRUSTED_RTT_MS = 250;

import { monotonicMs } from '../../shared/clock';

/**
 * Redis server time minus this process's monotonic clock, estimated from heartbeat round trips:
 * against the monotonic clock, a step of this machine's wall clock (NTP, a VM resumed) moves
 * nothing (against the wall clock, a step of +2 h made every request look hours past its deadline,
 * settled unrun, until the next heartbeat). The server
 * read its clock somewhere between sending and receiving, so a sample is off by up to half its
 * round trip. A slow one is not taken: a heartbeat ioredis held through an outage returns seconds
 * later, and its sample, off by half the outage, made every new request look past its deadline
 * (dropped unrun) until the next heartbeat.
 */
export class ClockOffset {
  /** The estimate (ms); before any sample, the wall clock's. */
  ms = Date.now() - monotonicMs();
  #fastest = Number.POSITIVE_INFINITY;
  #sampled = false;

  /** A heartbeat sent at `sentAt` and answered at `receivedAt` (the monotonic clock) saw the server at `serverNow`. */
  sample(sentAt: number, serverNow: number, receivedAt: number): void {
    const rtt = Math.max(0, receivedAt - sentAt);
    this.#fastest = Math.min(this.#fastest, rtt);
    // the first sample is the best there is; later, one as fast as the path allows
    if (this.#sampled && rtt > Math.max(TRUSTED_RTT_MS, 2 * this.#fastest)) return;
    this.#sampled = true;
    this.ms = serverNow - (sentAt + receivedAt) / 2;
  }
}
