#!/usr/bin/env node
// Runs the whole test suite against built packages: makes sure a Redis server is reachable
// (see redis.mjs), exports it as REDIS_URL, runs jest, and stops a private server afterwards.
//   node scripts/test.mjs [jest args]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  const result = spawnSync(process.execPath, [jest, '--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  status = result.status ?? 1;
  const counts = readCounts(report);
  if (counts) console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  else {
    // jest ended without its report: something in a test ended the process (process.exit(0) would pass)
    console.log('tests: jest ended without writing its report (did code under test call process.exit?): failed');
    status = 1;
  }
} finally {
  await redis.stop();
  rmSync(reportDir, { recursive: true, force: true });
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
