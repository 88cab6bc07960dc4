#!/usr/bin/env node
// Runs the whole test suite against built packages: makes sure a Redis server is reachable
// (see redis.mjs), exports it as REDIS_URL, runs jest, and stops a private server afterwards.
//   node scripts/test.mjs [jest args]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRedis } from './redis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jest = createRequire(join(root, 'package.json')).resolve('jest/bin/jest');

const redis = await ensureRedis();
console.log(`tests: Redis at ${redis.url} (${redis.source})`);
// Tests that use Redis read DAEBUS_TEST_REDIS_URL; REDIS_URL itself is removed so that a service a
// test starts without naming a transport stays on the embedded memory transport.
const env = { ...process.env, DAEBUS_TEST_REDIS_URL: redis.url };
delete env.REDIS_URL;
// jest's own summary is not a line CI reads; the JSON report gives the counts for a plain one
const reportDir = mkdtempSync(join(tmpdir(), 'daebus-jest-'));
const report = join(reportDir, 'report.json');
let status = 1;
try {
  const run = await runJest([jest, '--json', `--outputFile=${report}`, ...process.argv.slice(2)], env, report);
  status = run.status;
  const counts = readCounts(report);
  if (counts) console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  else if (!run.killed) {
    // jest ended without its report: something in a test ended the process (process.exit(0) would pass)
    console.log('tests: jest ended without writing its report (did code under test call process.exit?): failed');
    status = 1;
  }
} finally {
  await redis.stop();
  rmSync(reportDir, { recursive: true, force: true });
}

/**
 * Runs jest and resolves with its exit status (and whether it was killed). Jest can finish its tests and then not exit (a test
 * left a connection open): once its report is written it gets EXIT_GRACE_MS to exit, then it is
 * killed and the report decides; a run past RUN_LIMIT_MS is killed as failed. Either way CI ends.
 */
function runJest(args, env, reportFile) {
  const EXIT_GRACE_MS = 30_000;
  const RUN_LIMIT_MS = Number(process.env.DAEBUS_TEST_RUN_LIMIT_MS ?? 40 * 60_000);
  return new Promise((resolve) => {
    // its own process group, so that a kill reaches jest's workers too (orphans would hold the output open)
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env, detached: true });
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    // being in another group, jest no longer hears the terminal's Ctrl-C: pass it on
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => killGroup(signal));
    let verdict;
    const kill = (why, status) => {
      if (verdict !== undefined) return;
      verdict = status;
      console.log(`tests: ${why}: killing jest`);
      killGroup('SIGKILL');
    };
    const limit = setTimeout(() => kill(`jest ran past ${RUN_LIMIT_MS / 60_000} min`, 1), RUN_LIMIT_MS);
    let reportSeenAt;
    const poll = setInterval(() => {
      if (reportSeenAt === undefined && existsSync(reportFile)) reportSeenAt = Date.now();
      if (reportSeenAt !== undefined && Date.now() - reportSeenAt > EXIT_GRACE_MS) {
        const counts = readCounts(reportFile);
        kill('jest wrote its report but did not exit (a test left a handle open)', counts && counts.failed === 0 ? 0 : 1);
      }
    }, 1_000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      clearInterval(poll);
      resolve({ status: verdict ?? code ?? 1, killed: verdict !== undefined });
    });
  });
}

function readCounts(file) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    // a test file that cannot even run counts as a failure too
    return {
      passed: r.numPassedTests,
      failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
      skipped: r.numPendingTests + r.numTodoTests,
    };
  } catch {
    return undefined;
  }
}
process.exit(status);
