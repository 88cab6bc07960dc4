// Empties dist before a build: tsc and esbuild only add files, so the output of a source file
// that was moved or deleted would otherwise stay, and be packed.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
