import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | undefined;

/** This package's version, from its package.json (dist/main/ops and src/main/ops are both three levels down). */
export function libraryVersion(): string {
  if (version === undefined) {
    try {
      version = String(
        (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown }).version,
      );
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
