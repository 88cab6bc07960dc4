// The repository's docs (architecture, wire format) ship in the package, so that the package
// README's links work in the published tarball: copied from docs/ at the root on every build.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, '..', '..', 'docs');
const to = join(root, 'docs');
// emptied first: a doc renamed or removed at the root must not stay in the package
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from).filter((n) => n.endsWith('.md'))) copyFileSync(join(from, name), join(to, name));
