/**
 * The runtime's metrics registry (controller and ingress): counters, gauges and histograms with
 * declared label names, rendered in the Prometheus text exposition format 0.0.4. No dependencies.
 *
 * A labelled series is a child object (`metric.labels({...})`), created once and cached: hot paths
 * keep the child and record without allocating or looking anything up (the ingress does, per
 * request). Labels render in the declared order, histograms add `le` last. A labelled counter or
 * histogram series appears once it has counted something; an unlabelled one and every gauge
 * series always appear.
 */

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function braced(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}

abstract class Metric<S> {
  private readonly series = new Map<string, S>();

  constructor(
    public readonly name: string,
    public readonly help: string,
    public readonly type: 'counter' | 'gauge' | 'histogram',
    public readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`metric name "${name}" is not a valid Prometheus metric name`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`${name}: label name "${l}" is not a valid Prometheus label name`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${name}: duplicate label names in [${labelNames.join(', ')}]`);
  }

  /** The series for these label values (exactly the declared label names), created on first use. */
  public labels(values: Labels = {}): S {
    const text = this.labelText(values);
    let s = this.series.get(text);
    if (s === undefined) {
      s = this.newSeries(text);
      this.series.set(text, s);
    }
    return s;
  }

  /** The series for these label values if it exists. */
  protected existing(values: Labels): S | undefined {
    return this.series.get(this.labelText(values));
  }

  protected all(): IterableIterator<S> {
    return this.series.values();
  }

  /** `# HELP`, `# TYPE` and the sample lines. */
  public render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    this.renderSamples(out);
  }

  protected abstract newSeries(labelText: string): S;
  protected abstract renderSamples(out: string[]): void;

  private labelText(values: Labels): string {
    const names = this.labelNames;
    const given = Object.keys(values);
    if (given.length !== names.length || names.some((n) => typeof values[n] !== 'string')) {
      throw new Error(`${this.name}: labels {${given.join(', ')}} do not match the declared label names {${names.join(', ')}}`);
    }
    let text = '';
    for (let i = 0; i < names.length; i++) text += `${i > 0 ? ',' : ''}${names[i]}="${escapeLabelValue(values[names[i]])}"`;
    return text;
  }
}

/** One series of a counter or gauge: a number, or a function read at exposition. */
export class ValueSeries {
  private value = 0;
  private fn: (() => number) | undefined;
  constructor(public readonly labelText: string) {}

  /** Add `by` (counters only go up). */
  public inc(by = 1): void {
    if (!(by >= 0)) throw new Error(`a counter can only go up (inc by ${by})`);
    this.value += by;
  }

  /** The current value. */
  public get(): number {
    return this.fn !== undefined ? this.fn() : this.value;
  }

  /** @internal */
  public assign(v: number | (() => number)): void {
    if (typeof v === 'function') {
      this.fn = v;
    } else {
      this.fn = undefined;
      this.value = v;
    }
  }
}

/** A monotonically increasing count. */
export class Counter extends Metric<ValueSeries> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }

  public inc(labels: Labels = {}, by = 1): void {
    this.labels(labels).inc(by);
  }

  /** Read this series from `fn` at exposition (for a count kept elsewhere; it must only go up). */
  public collect(labels: Labels, fn: () => number): void {
    this.labels(labels).assign(fn);
  }

  /** The value of one series (0 if it does not exist). */
  public get(labels: Labels = {}): number {
    return this.existing(labels)?.get() ?? 0;
  }

  /** The sum over all series. */
  public total(): number {
    let s = 0;
    for (const v of this.all()) s += v.get();
    return s;
  }

  protected newSeries(labelText: string): ValueSeries {
    return new ValueSeries(labelText);
  }

  protected renderSamples(out: string[]): void {
    for (const s of this.all()) {
      const v = s.get();
      if (v !== 0 || s.labelText === '') out.push(`${this.name}${braced(s.labelText)} ${v}`);
    }
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<ValueSeries> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames);
  }

  /** Set a value, or a function read at exposition. */
  public set(labels: Labels, v: number | (() => number)): void {
    this.labels(labels).assign(v);
  }

  /** The value of one series (0 if it does not exist). */
  public get(labels: Labels = {}): number {
    return this.existing(labels)?.get() ?? 0;
  }

  protected newSeries(labelText: string): ValueSeries {
    return new ValueSeries(labelText);
  }

  protected renderSamples(out: string[]): void {
    for (const s of this.all()) out.push(`${this.name}${braced(s.labelText)} ${s.get()}`);
  }
}

/** Prometheus client's default buckets (seconds). */
export const DEFAULT_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One series of a histogram. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative; rendered cumulatively). */
  private readonly counts: Float64Array;
  public sum = 0;
  public count = 0;
  constructor(public readonly labelText: string, private readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length);
  }

  public observe(v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]) {
        this.counts[i]++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }

  /** @internal */
  public render(name: string, le: readonly string[], out: string[]): void {
    const sep = this.labelText === '' ? '' : ',';
    let cum = 0;
    for (let i = 0; i < le.length; i++) {
      cum += this.counts[i];
      out.push(`${name}_bucket{${this.labelText}${sep}le="${le[i]}"} ${cum}`);
    }
    out.push(`${name}_bucket{${this.labelText}${sep}le="+Inf"} ${this.count}`);
    out.push(`${name}_sum${braced(this.labelText)} ${this.sum}`);
    out.push(`${name}_count${braced(this.labelText)} ${this.count}`);
  }
}

/** Observations counted into buckets, with their sum and count. */
export class Histogram extends Metric<HistogramSeries> {
  public readonly buckets: readonly number[];
  private readonly le: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS) {
    super(name, help, 'histogram', labelNames);
    if (labelNames.includes('le')) throw new Error(`${name}: a histogram cannot have a label named "le"`);
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw new Error(`${name}: buckets must be finite and strictly increasing (got [${buckets.join(', ')}])`);
    }
    this.buckets = [...buckets];
    this.le = this.buckets.map(String);
  }

  public observe(labels: Labels, v: number): void {
    this.labels(labels).observe(v);
  }

  protected newSeries(labelText: string): HistogramSeries {
    return new HistogramSeries(labelText, this.buckets);
  }

  protected renderSamples(out: string[]): void {
    for (const s of this.all()) if (s.count > 0) s.render(this.name, this.le, out);
  }
}

type AnyMetric = Counter | Gauge | Histogram;

/** The metrics of one process, rendered in registration order. */
export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();

  public register<T extends AnyMetric>(m: T): T {
    if (this.metrics.has(m.name)) throw new Error(`metric "${m.name}" is already registered`);
    this.metrics.set(m.name, m);
    return m;
  }

  public counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  public gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(new Gauge(name, help, labelNames));
  }

  public histogram(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets));
  }

  /** The text exposition (format 0.0.4) of every registered metric. */
  public render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) m.render(out);
    return out.join('\n') + '\n';
  }
}
