import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Longest wait for `node --check`, which only parses. */
const CHECK_TIMEOUT_MS = 5_000;

/** Each file's site, once checked. */
const sites = new Map<string, string | undefined>();

/**
 * Where a JavaScript module's SyntaxError is: `file:line`, then the line and a caret, as Node
 * prints it for an entry script. An `import()` that fails to parse says only what is wrong
 * (`missing ) after argument list`), and the line is in an internal field user code cannot
 * read; `node --check` parses the file again and prints it. Undefined when that cannot help:
 * not a SyntaxError, not a file, or a file a loader compiles (TypeScript).
 */
export function syntaxErrorSite(specifier: string, err: unknown): string | undefined {
  if (err instanceof SyntaxError && (err as { code?: unknown }).code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') return strippedSite(err);
  if (!(err instanceof SyntaxError) || !/^file:.*\.[cm]?js$/.test(specifier)) return undefined;
  // a pool worker tries a module again on each call: one check per file is enough (Node keeps
  // a module that failed to parse as failed, too)
  if (!sites.has(specifier)) sites.set(specifier, check(specifier));
  return sites.get(specifier);
}

/** Node's type stripping puts the site at the head of the error's stack, before a blank line (and not in its message). */
function strippedSite(err: SyntaxError): string | undefined {
  const head = err.stack?.split(/\n\s*\n/)[0]?.trimEnd();
  const at = head === undefined ? undefined : /^(.*):(\d+)$/.exec(head.split('\n')[0] ?? '');
  if (head === undefined || at == null) return undefined;
  // a path, as `node --check` gives for JavaScript (Node 24 writes a file URL here, 22 a path)
  const file = at[1] as string;
  return file.startsWith('file:') ? `${fileURLToPath(file)}:${at[2] as string}${head.slice(at[0].length)}` : head;
}

function check(specifier: string): string | undefined {
  try {
    execFileSync(process.execPath, ['--check', fileURLToPath(specifier)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: CHECK_TIMEOUT_MS,
      encoding: 'utf8',
    });
  } catch (failed) {
    const stderr = String((failed as { stderr?: unknown }).stderr ?? '');
    // everything before the error's own line: "path:line", the source line, the caret
    const site = stderr.split(/\n\s*\n/)[0]?.trimEnd();
    if (site && /:\d+$/.test(site.split('\n')[0] ?? '')) return site;
  }
  return undefined;
}
