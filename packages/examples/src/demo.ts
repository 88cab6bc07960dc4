// The daebus demo: three background threads under the supervisor, on the embedded default (no
// Redis). On a terminal it shows a live table of the threads and the latest log lines until
// Ctrl-C; otherwise (piped, CI) it prints plain log lines for about 10 s, then a summary.
//   node packages/examples/dist/demo.js        (DEMO_SECONDS=n to stop after n seconds)
import winston from 'winston';
import { createDemoApp } from './demo/app';
import { logLine } from './demo/format';
import { LiveView } from './demo/live-view';
import { RecentLogs } from './demo/recent-logs';
import { recordRestarts, summary } from './demo/summary';

async function main(): Promise<void> {
  const live = process.stdout.isTTY === true;
  // How long to run: DEMO_SECONDS if it is a number > 0; else 10 s without a terminal, or until Ctrl-C.
  const fromEnv = Number(process.env.DEMO_SECONDS);
  const seconds = fromEnv > 0 ? fromEnv : live ? 0 : 10;

  // Every record, the library's and the threads', lands in this transport: the live view
  // reads its last lines; without a terminal each line is printed as it comes.
  const logs = new RecentLogs(live ? {} : { onLine: (line) => console.log(logLine(line, { color: false })) });
  const logger = winston.createLogger({ level: 'info', transports: [logs] });

  const app = createDemoApp(logger);
  const restarts = recordRestarts(app);
  const view = live ? new LiveView(app, logs) : undefined;
  if (seconds > 0) {
    setTimeout(() => {
      logger.info(`Demo time is up after ${seconds} s: stopping`);
      void app.stop();
    }, seconds * 1000).unref();
  }

  const startedAt = Date.now();
  view?.start();
  try {
    await app.run({ service: 'demo' });
  } finally {
    view?.stop();
  }
  if (live) {
    console.log('Last log lines:');
    for (const line of logs.lines.slice(-8)) console.log(logLine(line, { color: true }));
    console.log('');
  }
  console.log(summary(app, restarts, logs.lastByThread, Date.now() - startedAt));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
