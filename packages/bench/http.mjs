// HTTP and WebSocket benchmarks (issue 13): a trivial route of a daebus app against the same
// route on bare Fastify, and a WebSocket echo handler against a bare `ws` server doing the same
// JSON work. Each server runs in its own child process (fixtures/http-child.mjs); the client is
// this process: Node's http client over keep-alive connections, and `ws` clients. Rounds
// alternate between the two sides; the figures are medians over rounds (ratio: the median of the
// per-round ratios). The server's CPU time per request is reported too: on this 2-core machine
// the client shares the cores, so throughput understates the server's own cost.
// Node's http client is so heavy on these 2 cores that it raises the servers' own CPU per request
// too, bare Fastify's most (from about 35-45 µs to 57-75 µs), which hides much of the gap: the
// same route is measured a second time with autocannon driving it, a client that needs less CPU
// per request (about 50 µs against Node's 80 µs on bare Fastify here; the row prints its figure).
import { execFile, fork } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { childrenMs } from './lib/cpu-meter.mjs';
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

/** `measure(lib, raw)` with the two servers of kinds `libKind` and `rawKind` up, stopped after it. */
async function withServers(libKind, rawKind, measure) {
  const lib = await startServer(libKind);
  const raw = await startServer(rawKind);
  try {
    return await measure(lib, raw);
  } finally {
    await Promise.all([lib.stop(), raw.stop()]);
  }
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
  const { out, sequential } = await withServers('lib-http', 'raw-http', async (lib, raw) => ({
    out: await interleave({ lib: () => httpRound(lib, requests, concurrency), raw: () => httpRound(raw, requests, concurrency) }, rounds),
    sequential: await interleave({ lib: () => httpRound(lib, 3_000, 1), raw: () => httpRound(raw, 3_000, 1) }, 3),
  }));
  const l = out.lib.map((x) => x.perSecond);
  const r = out.raw.map((x) => x.perSecond);
  const cpuL = median(out.lib.map((x) => x.cpuUsPerRequest));
  const cpuR = median(out.raw.map((x) => x.cpuUsPerRequest));
  const seqL = median(sequential.lib.map((x) => x.perSecond));
  const seqR = median(sequential.raw.map((x) => x.perSecond));
  return routeResult(l, r, `${requests} GETs per round, ${concurrency} in flight over keep-alive connections`, [
    `per round (requests/s): lib ${l.map((x) => fmt(x)).join(', ')}; raw ${r.map((x) => fmt(x)).join(', ')}`,
    `server CPU per request: lib ${fmt(cpuL)} µs, raw ${fmt(cpuR)} µs (${(cpuL / cpuR).toFixed(2)}x; +${fmt(cpuL - cpuR)} µs)`,
    `1 in flight: lib ${fmt(seqL)}/s, raw ${fmt(seqR)}/s (${(seqL / seqR).toFixed(2)}x)`,
  ]);
}

/** The result of a trivial-route row: lib's and raw's requests/s per round, how they were driven, and the details. */
function routeResult(l, r, driven, details) {
  return result({
    library: median(l),
    floor: median(r),
    unit: 'requests/s',
    ratio: pairedRatio(l, r),
    ratioLabel: `median of per-round lib/raw over ${l.length} rounds`,
    libraryLabel: `app.route('/hello', () => ({ hello: 'world' })), ${driven}`,
    floorLabel: "bare Fastify 5, fastify.get('/hello', async () => ({ hello: 'world' })), same client",
    goal: { on: 'ratio', op: '>=', value: 0.85, text: '>= 0.85x the throughput of bare Fastify' },
    details,
  });
}

// autocannon's CLI, run with this Node. Its own process rather than its API in this one: the
// client then carries nothing of the bench process (modules, heaps and hooks that earlier rows
// left, this process's IPC with the servers), every round gets the same fresh client, and its
// CPU time can be read apart from this process's once it has exited (see autocannonRound).
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');
const run = promisify(execFile);

/** autocannon's --json result for `connections` keep-alive connections on `url` for `seconds`. */
async function autocannon(url, connections, seconds) {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(seconds), url];
  const { stdout } = await run(process.execPath, args, { timeout: (seconds + 30) * 1000 });
  const out = JSON.parse(stdout);
  const failed = out.errors + out.timeouts + out.non2xx;
  if (failed > 0) throw new Error(`autocannon on ${url}: ${out.errors} errors, ${out.timeouts} timeouts, ${out.non2xx} not 2xx`);
  return out;
}

/**
 * One autocannon run on `server`'s route; { perSecond, p99Ms, cpuUsPerRequest, clientCpuUsPerRequest }.
 * The server's CPU is read around the whole run, as httpRound does (the client's start-up, a few
 * tenths of a second with the server idle, is in it). The client's is the CPU that this process's
 * reaped children gained: autocannon is the only child to end in a round. Its start-up is in it,
 * so it is an upper bound.
 */
async function autocannonRound(server, connections, seconds) {
  const cpu0 = await server.cpu();
  const client0 = childrenMs();
  const out = await autocannon(`http://127.0.0.1:${server.port}/hello`, connections, seconds);
  const serverMs = (await server.cpu()) - cpu0;
  const requests = out.requests.total;
  return {
    perSecond: requests / out.duration,
    p99Ms: out.latency.p99,
    cpuUsPerRequest: (serverMs * 1000) / requests,
    clientCpuUsPerRequest: ((childrenMs() - client0) * 1000) / requests,
  };
}

async function trivialRouteAutocannon() {
  const rounds = 7;
  const seconds = 4;
  const connections = 32;
  const out = await withServers('lib-http', 'raw-http', (lib, raw) =>
    interleave({ lib: () => autocannonRound(lib, connections, seconds), raw: () => autocannonRound(raw, connections, seconds) }, rounds),
  );
  const pick = (side, key) => out[side].map((x) => x[key]);
  const l = pick('lib', 'perSecond');
  const r = pick('raw', 'perSecond');
  const cpuL = pick('lib', 'cpuUsPerRequest');
  const cpuR = pick('raw', 'cpuUsPerRequest');
  const side = (name) =>
    `${name}: ${fmt(median(pick(name, 'perSecond')))} req/s, p99 ${fmt(median(pick(name, 'p99Ms')))} ms, ` +
    `server CPU ${fmt(median(pick(name, 'cpuUsPerRequest')))} µs/request, client (autocannon) CPU ${fmt(median(pick(name, 'clientCpuUsPerRequest')))} µs/request`;
  return routeResult(l, r, `autocannon -c ${connections} -d ${seconds} in its own process per round`, [
    `per round (requests/s): lib ${l.map((x) => fmt(x)).join(', ')}; raw ${r.map((x) => fmt(x)).join(', ')}`,
    `per round (server CPU µs/request): lib ${cpuL.map((x) => fmt(x)).join(', ')}; raw ${cpuR.map((x) => fmt(x)).join(', ')}`,
    `medians: ${side('lib')}; ${side('raw')}`,
    `server CPU per request lib/raw: ${pairedRatio(cpuL, cpuR).toFixed(2)}x (median of per-round ratios; +${fmt(median(cpuL) - median(cpuR))} µs)`,
  ]);
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
    // not 'trivial-route-…': a filter 'http/trivial-route' must still pick the row above alone
    name: 'autocannon-trivial-route',
    title: 'the same trivial route vs bare Fastify, autocannon as the client (a process of its own)',
    run: trivialRouteAutocannon,
    timeoutMs: 180_000,
  },
  {
    name: 'websocket-echo',
    title: 'a WebSocket echo handler vs a bare ws server doing the same JSON work',
    run: websocketEcho,
    timeoutMs: 180_000,
  },
];
