/**
 * The runtime's structured logger (controller and ingress): one JSON object per line,
 * `{"ts":…,"level":…,<context, e.g. "component">,"msg":…,<fields>}`. `Error` values in fields are
 * written as `{message, name}`. Lines below the configured level (LOG_LEVEL; default info) are dropped.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines also carry `fields` (before `msg`); later context wins. */
  child(fields: Record<string, unknown>): Logger;
}

/** The same logger as one function (what the ingress's proxy and watcher take). */
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface LoggerOptions {
  /** Minimum level; an unknown or missing value means info. */
  level?: LogLevel | string;
  /** Where lines go (without the trailing newline); default process.stdout. */
  sink?: (line: string) => void;
  /** Context written on every line before `msg`, e.g. `{ component: 'controller' }`. */
  base?: Record<string, unknown>;
  now?: () => Date;
}

function normalizeLevel(l: string | undefined): LogLevel {
  const v = (l ?? 'info').toLowerCase();
  return (v in ORDER ? v : 'info') as LogLevel;
}

function fieldValue(v: unknown): unknown {
  return v instanceof Error ? { message: v.message, name: v.name } : v;
}

/** Writes each line to stdout. */
export const stdoutSink = (line: string): void => {
  process.stdout.write(line + '\n');
};

/** Writes each line to stderr. */
export const stderrSink = (line: string): void => {
  process.stderr.write(line + '\n');
};

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[normalizeLevel(opts.level)];
  const sink = opts.sink ?? stdoutSink;
  const now = opts.now ?? (() => new Date());
  const make = (base: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
      if (ORDER[level] < min) return;
      const rec: Record<string, unknown> = { ts: now().toISOString(), level };
      for (const [k, v] of Object.entries(base)) rec[k] = fieldValue(v);
      rec.msg = msg;
      if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = fieldValue(v);
      let line: string;
      try {
        line = JSON.stringify(rec);
      } catch {
        const component = typeof base.component === 'string' ? base.component : undefined;
        line = JSON.stringify({ ts: rec.ts, level, component, msg, note: 'unserialisable fields' });
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

/** `logger` as a LogFn. */
export function logFn(logger: Logger): LogFn {
  return (level, msg, fields) => logger[level](msg, fields);
}

/** A logger that drops everything (tests, bench). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: () => undefined });

/**
 * The last line of a component that failed to start: a JSON error line on stderr with the stack,
 * written directly (the component's logger may not exist yet).
 */
export function logStartupFailure(component: string, err: unknown, now: Date = new Date()): void {
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  stderrSink(JSON.stringify({ ts: now.toISOString(), level: 'error', component, msg: `${component} failed to start`, error }));
}
