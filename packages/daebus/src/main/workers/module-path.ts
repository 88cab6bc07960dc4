import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DaebusError, ErrorCodes } from '../../shared/errors';

/** The file URL of a module given as a path (absolute, or from the working directory) or a file URL; it must exist. */
export function moduleSpecifier(where: string, entry: string | URL): string {
  if (entry instanceof URL || entry.startsWith('file:')) {
    const url = entry instanceof URL ? entry : new URL(entry);
    if (url.protocol !== 'file:')
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: entry URL must be a file: URL (got ${url.href}).`);
    requireFile(where, fileURLToPath(url));
    return url.href;
  }
  const path = isAbsolute(entry) ? entry : resolve(process.cwd(), entry);
  requireFile(where, path);
  return pathToFileURL(path).href;
}

function requireFile(where: string, path: string): void {
  if (!existsSync(path)) {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${where}: module ${path} does not exist. Relative paths resolve from the working directory; ` +
        "prefer new URL('./module.js', import.meta.url) or path.join(__dirname, 'module.js'), pointing at built JavaScript.",
    );
  }
}
