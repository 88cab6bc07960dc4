// HTTP and WebSocket benchmarks (issue 13): a trivial route of a daebus app against the same
// route on bare Fastify, and a WebSocket echo handler against a bare `ws` server doing the same
// JSON work. Each server runs in its own child process (fixtures/http-child.mjs); the client is
// this process: Node's http client over keep-alive connections, and `ws` clients. Rounds
// alternate between the two sides; the figures are medians over rounds (ratio: the median of the
// per-round ratios). The server's CPU time per request is reported too: on this 2-core machine
// the client shares the cores, so throughput understates the server's own cost.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { closedLoop, interleave, pairedRatio } from './lib/drive.mjs';
import { result } from './lib/result.mjs';
import { fmt, median } from './lib/stats.mjs';
import { fixture, within } from './lib/workers.mjs';

export const suite = 'http';

async function startServer(kind) {
  const child = fork(fileURLToPath(fixture('http-child.mjs')), [kind], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // HTTP_PROF=1 writes a CPU profile of each server to /tmp/prof
    execArgv: process.env.HTTP_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  });
  const { port } = await within(new Promise((resolve) => child.once('message', resolve)), 20_000, `${kind} server start`);
  const cpu = async () => {
    const { cpu } = await within(new Promise((resolve) => (child.once('message', resolve), child.send('cpu'))), 10_000, 'cpu');
    return (cpu.user + cpu.system) / 1000; // ms
  };
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.send('stop');
    });
  return { port, cpu, stop };
}

/** One GET over `agent`; resolves when the body has been read. */
function get(agent, port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}`));
      res.on('data', () => undefined);
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
}

/** `requests` GETs with `concurrency` in flight over as many keep-alive connections; { perSecond, cpuUsPerRequest }. */
async function httpRound(server, requests, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const cpu0 = await server.cpu();
    const perSecond = await closedLoop(() => get(agent, server.port, '/hello'), requests, concurrency);
    const cpuUsPerRequest = (((await server.cpu()) - cpu0) * 1000) / requests;
    return { perSecond, cpuUsPerRequest };
  } finally {
    agent.destroy();
  }
}

async function trivialRoute() {
  const rounds = 7;
  const requests = 20_000;
  const concurrency = 32;
  const lib = await startServer('lib-http');
  const raw = await startServer('raw-http');
  let out;
  let sequential;
  try {
    out = await interleave({ lib: () => httpRound(lib, requests, concurrency), raw: () => httpRound(raw, requests, concurrency) }, rounds);
    sequential = await interleave({ lib: () => httpRound(lib, 3_000, 1), raw: () => httpRound(raw, 3_000, 1) }, 3);
  } finally {
    await Promise.all([lib.stop(), raw.stop()]);
  }
  const l = out.lib.map((x) => x.perSecond);
  const r = out.raw.map((x) => x.perSecond);
  const cpuL = median(out.lib.map((x) => x.cpuUsPerRequest));
  const cpuR = median(out.raw.map((x) => x.cpuUsPerRequest));
  const seqL = median(sequential.lib.map((x) => x.perSecond));
  const seqR = median(sequential.raw.map((x) => x.perSecond));
  return result({
    library: median(l),
    floor: median(r),
    unit: 'requests/s',
    ratio: pairedRatio(l, r),
    ratioLabel: `median of per-round lib/raw over ${rounds} rounds`,
    libraryLabel: `app.route('/hello', () => ({ hello: 'world' })), ${requests} GETs per round, ${concurrency} in flight over keep-alive connections`,
    floorLabel: "bare Fastify 5, fastify.get('/hello', async () => ({ hello: 'world' })), same client",
    goal: { on: 'ratio', op: '>=', value: 0.85, text: '>= 0.85x the throughput of bare Fastify' },
    details: [
      `per round (requests/s): lib ${l.map((x) => fmt(x)).join(', ')}; raw ${r.map((x) => fmt(x)).join(', ')}`,
      `server CPU per request: lib ${fmt(cpuL)} µs, raw ${fmt(cpuR)} µs (${(cpuL / cpuR).toFixed(2)}x; +${fmt(cpuL - cpuR)} µs)`,
      `1 in flight: lib ${fmt(seqL)}/s, raw ${fmt(seqR)}/s (${(seqL / seqR).toFixed(2)}x)`,
    ],
  });
}

/** `connections` ws clients, each keeping `inFlight` echo messages in flight, `messages` in all; { perSecond, cpuUsPerRequest }. */
async function wsRound(server, url, messages, connections, inFlight) {
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => {
      const socket = new WebSocket(url);
      const waiting = new Map();
      socket.on('message', (raw) => {
        const frame = JSON.parse(raw.toString());
        waiting.get(frame.id)?.(frame);
        waiting.delete(frame.id);
      });
      return new Promise((resolve, reject) => {
        socket.once('open', () => resolve({ socket, waiting }));
        socket.once('error', reject);
      });
    }),
  );
  let next = 0;
  const echo = (i) => {
    const { socket, waiting } = sockets[i % connections];
    const id = next++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ type: 'echo', data: { n: id, text: 'hello' }, id }));
    });
  };
  try {
    const cpu0 = await server.cpu();
    const perSecond = await closedLoop(echo, messages, connections * inFlight);
    const cpuUsPerRequest = (((await server.cpu()) - cpu0) * 1000) / messages;
    return { perSecond, cpuUsPerRequest };
  } finally {
    for (const { socket } of sockets) socket.terminate();
  }
}

async function websocketEcho() {
  const rounds = 7;
  const messages = 40_000;
  const connections = 4;
  const inFlight = 16;
  const lib = await startServer('lib-ws');
  const raw = await startServer('raw-ws');
  const libUrl = `ws://127.0.0.1:${lib.port}/ws`;
  const rawUrl = `ws://127.0.0.1:${raw.port}`;
  let out;
  try {
    out = await interleave(
      {
        lib: () => wsRound(lib, libUrl, messages, connections, inFlight),
        raw: () => wsRound(raw, rawUrl, messages, connections, inFlight),
      },
      rounds,
    );
  } finally {
    await Promise.all([lib.stop(), raw.stop()]);
  }
  const l = out.lib.map((x) => x.perSecond);
  const r = out.raw.map((x) => x.perSecond);
  const cpuL = median(out.lib.map((x) => x.cpuUsPerRequest));
  const cpuR = median(out.raw.map((x) => x.cpuUsPerRequest));
  return result({
    library: median(l),
    floor: median(r),
    unit: 'messages/s',
    ratio: pairedRatio(l, r),
    ratioLabel: `median of per-round lib/raw over ${rounds} rounds`,
    libraryLabel: `app.socket('echo', (data) => data): {"type":"echo","data","id"} -> {"type":"response","data","id"}, ${connections} clients x ${inFlight} in flight`,
    floorLabel: 'bare ws WebSocketServer: JSON.parse, then send the same response frame',
    goal: { on: 'ratio', op: '>=', value: 0.85, text: '>= 0.85x the throughput of bare ws' },
    details: [
      `per round (messages/s): lib ${l.map((x) => fmt(x)).join(', ')}; raw ${r.map((x) => fmt(x)).join(', ')}`,
      `server CPU per message: lib ${fmt(cpuL)} µs, raw ${fmt(cpuR)} µs (${(cpuL / cpuR).toFixed(2)}x; +${fmt(cpuL - cpuR)} µs)`,
    ],
  });
}

export const benchmarks = [
  {
    name: 'trivial-route',
    title: 'a trivial route vs the same route on bare Fastify, keep-alive client',
    run: trivialRoute,
    timeoutMs: 180_000,
  },
  {
    name: 'websocket-echo',
    title: 'a WebSocket echo handler vs a bare ws server doing the same JSON work',
    run: websocketEcho,
    timeoutMs: 180_000,
  },
];
