// Bundles each worker entry (a supervised thread's, the pool's) into one file, replacing what tsc
// emitted for it. A worker then loads one module instead of a dozen: that took a thread's start
// from about 1.3x a raw `new Worker` to about 1.0x here (BENCHMARKS.md).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'src/thread/worker-entry.ts'), join(root, 'src/thread/pool-worker.ts')],
  outdir: join(root, 'dist/thread'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
