import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | undefined;

/**
 * This package's version, from its package.json (dist/main/ops and src/main/ops are both three
 * levels down). 'unknown' when that file is not daebus's: bundled into a service, this code's
 * folder is the bundle's, and three levels up is the service's own package.json.
 */
export function libraryVersion(): string {
  if (version === undefined) {
    try {
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as Record<string, unknown>;
      version = manifest.name === 'daebus' && typeof manifest.version === 'string' ? manifest.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
