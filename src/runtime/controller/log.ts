/** Structured JSON logging (one object per line on stderr/stdout). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel | string;
  /** Where lines go; default process.stdout. */
  sink?: (line: string) => void;
  base?: Record<string, unknown>;
  now?: () => Date;
}

function normalizeLevel(l: string | undefined): LogLevel {
  const v = (l ?? 'info').toLowerCase();
  return (v in ORDER ? v : 'info') as LogLevel;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[normalizeLevel(opts.level)];
  const sink = opts.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const make = (base: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      const rec: Record<string, unknown> = { ts: now().toISOString(), level, msg, ...base };
      if (fields) {
        for (const [k, v] of Object.entries(fields)) {
          rec[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
        }
      }
      let line: string;
      try {
        line = JSON.stringify(rec);
      } catch {
        line = JSON.stringify({ ts: rec.ts, level, msg, note: 'unserialisable fields' });
      }
      sink(line);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.base ?? {});
}

/** A logger that drops everything (tests, bench). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: () => undefined });
