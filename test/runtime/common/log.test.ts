import { createLogger, logFn, logStartupFailure } from '../../../src/runtime/common/log';

const NOW = (): Date => new Date('2026-01-01T00:00:00Z');

function capture(level?: string): { lines: string[]; sink: (l: string) => void; level?: string } {
  const lines: string[] = [];
  return { lines, sink: (l) => lines.push(l), level };
}

describe('runtime logger', () => {
  test('structured JSON logs with level filtering; Error fields become {message, name}', () => {
    const c = capture('info');
    const log = createLogger({ level: c.level, sink: c.sink, now: NOW }).child({ component: 'c' });
    log.debug('hidden');
    log.info('hello', { key: 'default/x', error: new Error('boom') });
    expect(c.lines.map((l) => JSON.parse(l))).toEqual([{ ts: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'hello', component: 'c', key: 'default/x', error: { message: 'boom', name: 'Error' } }]);
  });

  test('one line per call: ts, level, the logger context, msg, then the call fields', () => {
    const c = capture();
    const log = createLogger({ sink: c.sink, now: NOW, base: { component: 'ingress' } });
    log.info('ingress listening', { port: 8080, internalPort: 8081 });
    expect(c.lines).toEqual(['{"ts":"2026-01-01T00:00:00.000Z","level":"info","component":"ingress","msg":"ingress listening","port":8080,"internalPort":8081}']);
  });

  test('a child adds context and may override it (leader election logs as its own component)', () => {
    const c = capture();
    const log = createLogger({ sink: c.sink, now: NOW, base: { component: 'controller' } });
    log.child({ component: 'leader-election', identity: 'ctl-0' }).warn('lost leadership');
    log.info('still the controller');
    expect(c.lines.map((l) => JSON.parse(l))).toEqual([
      { ts: '2026-01-01T00:00:00.000Z', level: 'warn', component: 'leader-election', identity: 'ctl-0', msg: 'lost leadership' },
      { ts: '2026-01-01T00:00:00.000Z', level: 'info', component: 'controller', msg: 'still the controller' },
    ]);
  });

  test.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['INFO', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    [undefined, ['info', 'warn', 'error']],
    ['verbose', ['info', 'warn', 'error']],
  ])('LOG_LEVEL %s writes %j', (level, written) => {
    const c = capture(level);
    const log = createLogger({ level: c.level, sink: c.sink });
    for (const l of ['debug', 'info', 'warn', 'error'] as const) log[l](l);
    expect(c.lines.map((l) => JSON.parse(l).level)).toEqual(written);
  });

  test('fields that cannot be serialised still give a line, with the message and component', () => {
    const c = capture();
    createLogger({ sink: c.sink, now: NOW, base: { component: 'controller' } }).error('odd', { n: BigInt(1) });
    expect(JSON.parse(c.lines[0])).toEqual({ ts: '2026-01-01T00:00:00.000Z', level: 'error', component: 'controller', msg: 'odd', note: 'unserialisable fields' });
  });

  test('logFn is the same logger as one function (the ingress proxy and watcher take it)', () => {
    const c = capture('warn');
    const log = logFn(createLogger({ level: c.level, sink: c.sink, now: NOW, base: { component: 'ingress' } }));
    log('info', 'filtered');
    log('warn', 'host conflict', { conflict: 'a' });
    expect(c.lines).toEqual(['{"ts":"2026-01-01T00:00:00.000Z","level":"warn","component":"ingress","msg":"host conflict","conflict":"a"}']);
  });

  test('logStartupFailure writes one JSON error line with the stack to stderr', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      logStartupFailure('ingress', new Error('PORT and INTERNAL_PORT must differ (both 8080)'), NOW());
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0].endsWith('\n')).toBe(true);
    const rec = JSON.parse(written[0]);
    expect(rec).toMatchObject({ ts: '2026-01-01T00:00:00.000Z', level: 'error', component: 'ingress', msg: 'ingress failed to start' });
    expect(rec.error).toMatch(/^Error: PORT and INTERNAL_PORT must differ \(both 8080\)\n\s+at /);
  });
});
