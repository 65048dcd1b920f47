import { Chart, Duration, Testing } from 'cdk8s';
import { KnativeError, ProblemList, _withPath } from '../../src/serving/errors';

describe('KnativeError', () => {
  test('message is "[path] field: message (got value). Fix: fix" and the parts are on the object', () => {
    const chart = Testing.chart();
    const e = new KnativeError(chart, { field: 'spec.x', message: 'must be positive', value: -1, fix: 'Use 1.' });
    expect(e.message).toBe(`[${chart.node.path}] spec.x: must be positive (got -1). Fix: Use 1.`);
    expect(e).toBeInstanceOf(Error);
    expect(KnativeError.is(e)).toBe(true);
    expect(KnativeError.is(new Error('x'))).toBe(false);
    expect(e).toMatchObject({ constructPath: chart.node.path, field: 'spec.x', problem: 'must be positive', value: -1, hasValue: true, fix: 'Use 1.' });
  });

  test('no "(got …)" when the details have no value key; "(got undefined)" when the key is present', () => {
    expect(new KnativeError('a/B', { field: 'f', message: 'is required', fix: 'Set f.' }).message)
      .toBe('[a/B] f: is required. Fix: Set f.');
    expect(new KnativeError('a/B', { field: 'f', message: 'is required', value: undefined, fix: 'Set f.' }).message)
      .toBe('[a/B] f: is required (got undefined). Fix: Set f.');
  });

  test('strings are quoted, Durations shown by their human string, `shown` overrides', () => {
    expect(new KnativeError(undefined, { field: 'f', message: 'm', value: 'x', fix: 'F.' }).message).toBe('f: m (got "x"). Fix: F.');
    expect(new KnativeError(undefined, { field: 'f', message: 'm', value: Duration.millis(1500), fix: 'F.' }).message).toBe('f: m (got 1 second 500 millis). Fix: F.');
    expect(new KnativeError(undefined, { field: 'f', message: 'm', value: 1500, shown: '1500ms', fix: 'F.' }).message).toBe('f: m (got 1500ms). Fix: F.');
  });

  test('located() adds the path and field prefix once; an error with a path stays as it is', () => {
    const bare = new KnativeError(undefined, { field: 'traffic[1].percent', message: 'must be 0–100', value: 101, fix: 'F.' });
    const at = bare.located('c/Svc', 'spec');
    expect(at.message).toBe('[c/Svc] spec.traffic[1].percent: must be 0–100 (got 101). Fix: F.');
    expect(at.cause).toBe(bare);
    expect(at.located('c/Other', 'x')).toBe(at);
    expect(new KnativeError(undefined, { field: '[0]', message: 'm', fix: 'F.' }).located('p', 'spec.traffic').field).toBe('spec.traffic[0]');
  });

  test('_withPath locates path-less KnativeErrors and wraps foreign errors at the scope', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => _withPath(chart, () => {
      throw new KnativeError(undefined, { field: 'f', message: 'm', value: 1, fix: 'F.' });
    })).toThrow('[c] f: m (got 1). Fix: F.');
    let caught: unknown;
    try {
      _withPath(chart, () => { throw new Error('boom.'); });
    } catch (e) { caught = e; }
    expect(KnativeError.is(caught)).toBe(true);
    expect((caught as Error).message).toBe('[c] boom.');
  });

  test('ProblemList throws the first problem located, and reports bodies without the path', () => {
    const chart = new Chart(Testing.app(), 'c');
    const p = new ProblemList();
    expect(() => p.throwFirst(chart)).not.toThrow();
    p.add({ field: 'traffic[0].tag', message: 'is not a DNS-1035 label', value: 'V2', fix: 'Use "v2".' });
    p.add({ field: 'traffic[1].percent', message: 'must be 0–100', value: 101, fix: 'F.' });
    expect(() => p.throwFirst(chart, 'spec')).toThrow('[c] spec.traffic[0].tag: is not a DNS-1035 label (got "V2"). Fix: Use "v2".');
    expect(p.bodies('spec')).toEqual([
      'spec.traffic[0].tag: is not a DNS-1035 label (got "V2"). Fix: Use "v2".',
      'spec.traffic[1].percent: must be 0–100 (got 101). Fix: F.',
    ]);
  });
});
