import { consoleSink, createLogger, type ThreadLogger } from './log';
import { getCurrent } from './current';

const fallback = createLogger(consoleSink);

function target(): ThreadLogger {
  return getCurrent()?.log ?? fallback;
}

/**
 * Daebus's `direct_logger` for thread code: inside a daebus thread it writes to the main side's
 * logger with the thread's name attached; anywhere else it falls back to the console.
 */
export const directLogger: ThreadLogger = {
  error: (m, meta) => target().error(m, meta),
  warn: (m, meta) => target().warn(m, meta),
  info: (m, meta) => target().info(m, meta),
  http: (m, meta) => target().http(m, meta),
  verbose: (m, meta) => target().verbose(m, meta),
  debug: (m, meta) => target().debug(m, meta),
  silly: (m, meta) => target().silly(m, meta),
  log: (level, m, meta) => target().log(level, m, meta),
};
