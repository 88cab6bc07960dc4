// The daebus version that daebus.info, the metrics and the CLI report.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const built = join(__dirname, '..', '..', 'dist', 'main', 'ops', 'library-version.js');
const versionFrom = (file: string): string =>
  execFileSync(process.execPath, ['-p', `require(${JSON.stringify(file)}).libraryVersion()`], { encoding: 'utf8' }).trim();

describe('the library version', () => {
  it('is the version in daebus’s package.json', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(versionFrom(built)).toBe(manifest.version);
  });

  it('is "unknown", not the service’s own version, when the package.json three folders up is another package’s (bundled)', () => {
    const root = mkdtempSync(join(tmpdir(), 'daebus-version-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'my-service', version: '1.0.0' }));
      const deep = join(root, 'dist', 'bundle', 'chunks');
      mkdirSync(deep, { recursive: true });
      copyFileSync(built, join(deep, 'library-version.js'));
      // before: "1.0.0"
      expect(versionFrom(join(deep, 'library-version.js'))).toBe('unknown');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
