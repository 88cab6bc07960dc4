import winston from 'winston';

export type Logger = winston.Logger;

/**
 * The default sink: human-readable lines on a terminal, JSON lines when `LOG_FORMAT=json` or when
 * output is not a terminal (`LOG_FORMAT=text` forces lines). Level from `LOG_LEVEL`, default `info`.
 */
export function createLogger(options: { level?: string; json?: boolean } = {}): Logger {
  const format = process.env.LOG_FORMAT;
  const json = options.json ?? (format === 'json' || (format !== 'text' && !process.stdout.isTTY));
  return winston.createLogger({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    format: json ? jsonFormat() : textFormat(),
    transports: [new winston.transports.Console()],
  });
}

function jsonFormat(): winston.Logform.Format {
  const { combine, timestamp, errors, json } = winston.format;
  return combine(errors({ stack: true }), timestamp(), json());
}

function textFormat(): winston.Logform.Format {
  const { combine, timestamp, errors, colorize, printf } = winston.format;
  return combine(
    errors({ stack: true }),
    timestamp({ format: 'HH:mm:ss.SSS' }),
    colorize(),
    printf((info) => {
      const { timestamp: time, level, message, thread, stack, error, ...rest } = info;
      const where = typeof thread === 'string' ? ` [${thread}]` : '';
      const extra = Object.keys(rest).length > 0 ? ` ${safeJson(rest)}` : '';
      // An error's stack goes on the lines below; its message is already in the line.
      const errorStack = (error as { stack?: unknown } | undefined)?.stack;
      const trace = typeof stack === 'string' ? `\n${stack}` : typeof errorStack === 'string' ? `\n${errorStack}` : '';
      return `${String(time)} ${level}${where} ${String(message)}${extra}${trace}`;
    }),
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Daebus's `direct_logger` on the main side: the process-wide default logger. Threads have their
 * own `directLogger` (from `daebus/thread`) that forwards here.
 */
export const directLogger: Logger = createLogger();
