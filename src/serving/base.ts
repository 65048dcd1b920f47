import {
  ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, ApiObjectProps, App, IResolver, ImplicitTokenResolver, JsonPatch, Lazy,
  LazyResolver, NumberStringUnionResolver,
} from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { _clusterOf, _knativeDefaultConfig } from './cluster';
import { KnativeError } from './errors';
import { KnativeFeature, KnativeFeatures } from './features';
import { _reportRuntimeWarnings, _usesBundledRuntime } from './runtime-warnings';
import { _epoch } from './state';
import { ServingConfig } from '../core/config';
import { goJsonRoundTripSpec } from '../core/go-json';
import { AdmissionContext, formatViolation, storedByKnative, validate } from '../core/rules';
import { bundledRuntimeErrors, unsupportedSettings } from '../core/runtime-support';
import type { KubeObject } from '../core/types';

/** `_servingConfig()` results per cluster configuration (frozen, shared; see `_clusterOf`). */
interface ConfigMemo {
  /** Per sorted feature-gate list. */
  readonly byKey: Map<string, ServingConfig>;
  /** Per frozen feature-list object (see `RevisionTemplate._featureList()`). */
  readonly byList: WeakMap<object, ServingConfig>;
}
const CONFIG_MEMO = new WeakMap<ServingConfig, ConfigMemo>();

/**
 * Whether a resolver is one of those every cdk8s `App` registers itself (`Lazy`, implicit tokens,
 * number/string unions). On plain JSON data they change nothing, so our own plain rendering is
 * what cdk8s writes. Any other resolver (or these from another copy of cdk8s) means it may not be.
 */
function isBuiltInResolver(r: IResolver): boolean {
  return r instanceof LazyResolver || r instanceof ImplicitTokenResolver || r instanceof NumberStringUnionResolver;
}

function deepFreeze(o: unknown): void {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
}

/**
 * Whether `v` is plain JSON data: strings, finite numbers, booleans, arrays and plain objects
 * (no undefined, null, NaN, functions or class instances), i.e. `JSON.stringify` is faithful.
 */
function isPlainJson(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return false;
      if (Array.isArray(v)) {
        for (const x of v) if (!isPlainJson(x)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v as Record<string, unknown>) {
        if (!isPlainJson((v as Record<string, unknown>)[k])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Objects with keys sorted recursively, as cdk8s writes them (unless `CDK8S_DISABLE_SORT` is set). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Sort strings in place in the order of `Array.prototype.sort()` without a compare function
 * (UTF-16 code units, which is what `<` compares), without allocating: an insertion sort for the
 * short key lists of manifests (a no-op pass when they are in order already).
 */
function sortStrings(a: string[]): void {
  if (a.length > 32) {
    a.sort();
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    if (a[j] <= x) continue;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** What `plainCopy` returns for a value that is not plain JSON. */
const NOT_PLAIN = Symbol('not plain JSON');

/**
 * A deep copy of plain JSON data (see `isPlainJson`), with object keys sorted when `sort` is set,
 * i.e. exactly what cdk8s's `ApiObject.toJson()` makes of it with its own resolvers; `NOT_PLAIN`
 * when `v` is not plain JSON or cdk8s would not render it so (objects not made by `{}`, a
 * `constructor` or `__proto__` key).
 */
function plainCopy(v: unknown, sort: boolean): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : NOT_PLAIN;
    case 'object': {
      if (v === null) return NOT_PLAIN;
      if (Array.isArray(v)) {
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const x = plainCopy(v[i], sort);
          if (x === NOT_PLAIN) return NOT_PLAIN;
          out[i] = x;
        }
        return out;
      }
      // cdk8s renders only objects whose constructor is `Object` (it throws on others).
      if (Object.getPrototypeOf(v) !== Object.prototype) return NOT_PLAIN;
      const keys = Object.keys(v);
      if (sort) sortStrings(keys);
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        // A `constructor` key makes cdk8s throw; `__proto__` is not copied by assignment.
        if (k === 'constructor' || k === '__proto__') return NOT_PLAIN;
        const x = plainCopy((v as Record<string, unknown>)[k], sort);
        if (x === NOT_PLAIN) return NOT_PLAIN;
        out[k] = x;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

/**
 * Whether `b` is the same plain JSON data as `a` (which must be plain JSON, see `isPlainJson`): same
 * keys in the same order, same values. A structural compare, cheaper than comparing
 * `JSON.stringify` of both and exact for plain data.
 */
function samePlainJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePlainJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const proto = Object.getPrototypeOf(b);
  if (proto !== Object.prototype && proto !== null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    if (!samePlainJson((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  }
  return true;
}

/** How a `KnativeApiObject` asks its resource for the manifest. */
interface KnativeRendering {
  /**
   * The manifest exactly as `ApiObject.toJson()` would write it, when our own rendering is final
   * and plain JSON (then cdk8s's generic resolve would copy it unchanged); else undefined.
   */
  own(): KubeObject | undefined;
  /** The manifest cdk8s rendered, as Knative stores it; undefined when it is written as it is. */
  stored(json: KubeObject): KubeObject | undefined;
}

/**
 * The ApiObject of a Knative resource. When cdk8s renders the manifest itself (JSON patches added
 * through the escape hatch, resolvers of the app), the result is written as Knative stores it
 * (`storedByKnative`: the Go JSON round trip, then the admission defaults of the resource's
 * cluster configuration). A probe patched in without Knative's defaults is then written and
 * validated with them, and the output stays a fixed point of admission. Our own rendering
 * already is that stored form and is written unchanged (without a pass through cdk8s's generic
 * resolve when it is plain JSON, see `KnativeResource._ownManifest`).
 */
class KnativeApiObject extends ApiObject {
  /** Whether `addJsonPatch()` was ever given an operation (then cdk8s's render is what is written). */
  public hasJsonPatches = false;

  public constructor(scope: Construct, id: string, props: ApiObjectProps, private readonly rendering: KnativeRendering) {
    super(scope, id, props);
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    if (ops.length > 0) this.hasJsonPatches = true;
    super.addJsonPatch(...ops);
  }

  public toJson(): any {
    const own = this.rendering.own();
    if (own !== undefined) return own;
    const json = super.toJson() as KubeObject;
    const stored = this.rendering.stored(json);
    if (stored === undefined) return json;
    const sorted = (process.env.CDK8S_DISABLE_SORT ? stored : sortedKeys(stored)) as Record<string, unknown>;
    // Like cdk8s: apiVersion, kind and metadata first.
    const out: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(sorted)]) {
      if (k in sorted) out[k] = sorted[k];
    }
    return out;
  }
}

/**
 * A Knative Serving object (Service, Configuration, Revision, Route, DomainMapping).
 */
export interface IKnativeResource extends IConstruct {
  /** The object name (`metadata.name`). */
  readonly name: string;
  /** The API version, e.g. `serving.knative.dev/v1`. */
  readonly apiVersion: string;
  /** The object kind, e.g. `Service`. */
  readonly kind: string;
}

/**
 * Properties common to every Knative resource.
 */
export interface KnativeResourceProps {
  /**
   * Object metadata (name, namespace, labels, annotations).
   * @default - name generated by the chart, namespace of the chart
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * Base class of the Knative L2 constructs.
 *
 * Wraps exactly one `ApiObject` child with the id `Resource` (so `ApiObject.of(construct)`
 * and `node.defaultChild` return it, e.g. for `addJsonPatch()`); its `spec` is rendered lazily
 * at synthesis time, so mutations after construction are reflected.
 */
export abstract class KnativeResource extends Construct implements IKnativeResource {
  /**
   * A cluster configuration (`base`, default: Knative's, or the one in effect for a construct,
   * see `_clusterOf`) with the given gates set to `Enabled` (gates Knative turns on by default are
   * left as `base` has them).
   * @internal
   */
  public static _servingConfig(enabled: Iterable<string>, base: ServingConfig = _knativeDefaultConfig()): ServingConfig {
    let memo = CONFIG_MEMO.get(base);
    if (memo === undefined) {
      memo = { byKey: new Map(), byList: new WeakMap() };
      CONFIG_MEMO.set(base, memo);
    }
    // Validation passes hand in the same (frozen, memoized) feature list object until it changes.
    const memoizable = typeof enabled === 'object' && Object.isFrozen(enabled);
    const known = memoizable ? memo.byList.get(enabled as object) : undefined;
    if (known !== undefined) return known;
    const config = KnativeResource._servingConfigByKey(enabled, base, memo);
    if (memoizable) memo.byList.set(enabled as object, config);
    return config;
  }

  private static _servingConfigByKey(enabled: Iterable<string>, base: ServingConfig, memo: ConfigMemo): ServingConfig {
    const sorted = [...new Set(enabled)].filter((f) => !KnativeFeatures._ON_BY_DEFAULT.has(f) && base.features[f] !== 'Enabled').sort();
    if (sorted.length === 0) return base;
    const key = sorted.join(',');
    let config = memo.byKey.get(key);
    if (!config) {
      config = { ...base, features: { ...base.features } };
      for (const f of sorted) {
        config.features[f] = 'Enabled';
      }
      // Shared between resources: frozen so no caller can change another's configuration.
      deepFreeze(config);
      memo.byKey.set(key, config);
    }
    return config;
  }

  /** The underlying API object (escape hatch). */
  public readonly apiObject: ApiObject;

  /** `apiObject`, typed. */
  private readonly _knativeApiObject: KnativeApiObject;

  /**
   * The plain `spec` rendered by the last validation pass for the next `toJson()`, and the
   * mutation epoch it belongs to. `sorted` is set when `spec` is our own copy, made by `plainCopy`
   * with that `sort` flag and shared with nothing: then it is written as it is.
   */
  private _validated?: { readonly epoch: number; readonly spec: unknown; readonly sorted?: boolean };

  /** `App.of(this)`, looked up once (a construct never changes its place in the tree). */
  private _appOf?: App;

  /** Extra gates declared on this resource (`_addKnativeValidation({ features })`). */
  private _extraFeatures?: () => readonly string[];

  /**
   * @param scope parent construct
   * @param id construct id
   * @param apiVersion API version of the wrapped object
   * @param kind kind of the wrapped object
   * @param props common properties
   */
  protected constructor(scope: Construct, id: string, apiVersion: string, kind: string, props: KnativeResourceProps = {}) {
    super(scope, id);
    this.apiObject = this._knativeApiObject = new KnativeApiObject(this, 'Resource', {
      apiVersion,
      kind,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => this._specForSynthesis() }),
    }, {
      own: () => this._ownManifest(),
      stored: (json) => (this._ownRenderingIsFinal() ? undefined : storedByKnative(json, this._admissionContext())),
    });
    this.node.defaultChild = this.apiObject;
  }

  /** The object name (`metadata.name`). */
  public get name(): string {
    return this.apiObject.name;
  }

  /** The API version. */
  public get apiVersion(): string {
    return this.apiObject.apiVersion;
  }

  /** The API group (`serving.knative.dev`). */
  public get apiGroup(): string {
    const i = this.apiObject.apiVersion.indexOf('/');
    return i < 0 ? '' : this.apiObject.apiVersion.substring(0, i);
  }

  /** The object kind. */
  public get kind(): string {
    return this.apiObject.kind;
  }

  /** Object metadata (add labels/annotations here). */
  public get metadata(): ApiObjectMetadataDefinition {
    return this.apiObject.metadata;
  }

  /**
   * Render the object's `spec` (called lazily at synthesis time).
   * @internal
   */
  public abstract _toKube(): any;

  /**
   * Register the synth-time check every Knative L2 uses: render the final manifest, run the
   * shared Knative admission rules (`src/core/rules`) with a cluster configuration whose
   * feature gates reflect what the user opted into, and report every error (warnings are
   * not errors). cdk8s prefixes each message with the construct path.
   *
   * When the app contains a `ServingControlPlane`, the same manifest is also checked for
   * settings the bundled runtime does not honour (`unsupportedSettings` in
   * src/core/runtime-support.ts), reported as warnings (see `BundledRuntimeWarnings`), and for
   * settings it cannot run as asked (`bundledRuntimeErrors`: an HPA-class metric other than cpu or
   * memory), reported as errors.
   *
   * @param options.features extra gates declared on this resource (e.g. a template's
   *   `enabledFeatures`), evaluated at validation time
   * @param options.checks extra checks returning error strings (e.g. feature-gate errors,
   *   whole-table traffic checks), evaluated at validation time
   * @internal
   */
  protected _addKnativeValidation(options: {
    features?: () => readonly string[];
    checks?: () => readonly string[];
  } = {}): void {
    this._extraFeatures = options.features;
    let cached: { epoch: number; metadata: Record<string, unknown>; errors: string[]; warnings?: readonly string[] } | undefined;
    this.node.addValidation({
      validate: (): string[] => {
        const wantWarnings = _usesBundledRuntime(this._app());
        const epoch = _epoch();
        // The object metadata has public mutators of cdk8s (no epoch bump): it is rendered on every
        // pass (`toJson()`) and is part of the cache key (compared structurally with the last one).
        const rendered = this._finalMetadata();
        // Nothing changed since the last pass (same synthesis, or another chart of it): same result.
        // (A ServingControlPlane added since changes nothing we render, but asks for warnings.)
        if (cached !== undefined && rendered !== undefined && cached.epoch === epoch && samePlainJson(cached.metadata, rendered)
          && (!wantWarnings || cached.warnings !== undefined)) {
          if (wantWarnings) _reportRuntimeWarnings(this, cached.warnings!);
          return [...cached.errors];
        }
        cached = undefined;
        const metadata = rendered !== undefined && isPlainJson(rendered) ? rendered as Record<string, unknown> : undefined;
        const errors: string[] = [];
        // Extra checks read construct state the manifest does not show (e.g. gated fields that
        // are left out of the output).
        errors.push(...(options.checks?.() ?? []));
        let manifest: KubeObject;
        let plain: boolean;
        let written: { spec: unknown; sorted: boolean } | undefined;
        try {
          [manifest, plain, written] = this._renderForValidation(metadata);
        } catch (e) {
          // cdk8s prefixes the construct path: a KnativeError's message without its own.
          errors.push(KnativeError.is(e) ? e.body : (e as Error).message);
          if (wantWarnings) _reportRuntimeWarnings(this, []);
          return errors;
        }
        for (const v of validate(manifest, this._admissionContext(false))) {
          if (v.severity === 'warning') continue;
          errors.push(formatViolation(v));
        }
        let warnings: readonly string[] | undefined;
        if (wantWarnings) {
          // What the bundled runtime cannot run as asked fails the synthesis (e.g. an HPA metric it cannot serve).
          errors.push(...bundledRuntimeErrors(manifest, _clusterOf(this).config).map(formatViolation));
          warnings = unsupportedSettings(manifest, _clusterOf(this).config).map(formatViolation);
          _reportRuntimeWarnings(this, warnings);
        }
        // Only results computed from our own plain rendering are reused: a manifest that needed the
        // cdk8s render (JSON patches, custom resolvers, Lazy values in the spec) can change without a
        // mutator call.
        if (plain && metadata !== undefined && _epoch() === epoch) {
          cached = { epoch, metadata, errors: [...errors], warnings };
          this._validated = written !== undefined ? { epoch, ...written } : { epoch, spec: manifest.spec };
        }
        return errors;
      },
    });
  }

  /**
   * The admission request synth-time validation (and the stored form of patched manifests)
   * assumes: a create, under the cluster configuration in effect for this resource
   * (`KnativeCluster.configure()`, a `ServingControlPlane` in the app, or Knative's defaults) with
   * the feature gates declared for this resource on top; fixes that need a cluster setting name
   * the declaration API. `warnings`: whether the rules report warnings (default: they do).
   */
  private _admissionContext(warnings?: boolean): AdmissionContext {
    const cluster = _clusterOf(this);
    const own = this._enabledFeatures();
    const extra = this._extraFeatures?.() ?? [];
    const features = own.length === 0 ? extra : extra.length === 0 ? own : [...own, ...extra];
    return { config: KnativeResource._servingConfig(features, cluster.config), operation: 'create', clusterSetting: cluster.settingFix, warnings };
  }

  /**
   * The `spec` cdk8s writes: the one rendered for this synthesis's validation pass when nothing
   * changed since (our rendering is deterministic), else a fresh `_toKube()`.
   * (A second `toJson()` without a validation pass in between renders afresh.)
   */
  private _specForSynthesis(): unknown {
    const v = this._takeValidated();
    // cdk8s keeps the key order it is given when CDK8S_DISABLE_SORT is set: not our sorted copy.
    if (v === undefined || (v.sorted === true && process.env.CDK8S_DISABLE_SORT)) return this._storedSpec();
    return v.spec;
  }

  /**
   * The spec the last validation pass rendered, if it is still current; handed over once (the
   * output is a copy of it, or this copy of ours itself), so it need not stay in memory.
   */
  private _takeValidated(): { readonly spec: unknown; readonly sorted?: boolean } | undefined {
    const v = this._validated;
    this._validated = undefined;
    return v !== undefined && v.epoch === _epoch() ? v : undefined;
  }

  /**
   * The manifest as cdk8s's `ApiObject.toJson()` writes it, computed without cdk8s's generic
   * resolve when that resolve cannot change anything: our own rendering is final (no JSON patches,
   * only cdk8s's built-in resolvers) and the metadata (its public `toJson()`, read now) and our
   * spec are plain JSON. Then cdk8s's render is a copy with object keys sorted (unless
   * `CDK8S_DISABLE_SORT` is set), apiVersion, kind and metadata first, and so is this.
   * Undefined otherwise (or when anything throws), and `toJson()` lets cdk8s render it (and
   * report errors its way).
   */
  private _ownManifest(): KubeObject | undefined {
    if (!this._ownRenderingIsFinal()) return undefined;
    const sort = !process.env.CDK8S_DISABLE_SORT;
    let metadata: unknown;
    let rendered: { readonly spec: unknown; readonly sorted?: boolean } | undefined;
    try {
      metadata = this.apiObject.metadata.toJson();
      if (metadata === undefined || !isPlainJson(metadata)) return undefined;
      rendered = this._takeValidated();
      // Our sorted copy lost the rendering's key order, which is written when sorting is off.
      if (rendered?.sorted === true && !sort) rendered = undefined;
      rendered ??= { spec: this._storedSpec() };
    } catch {
      return undefined;
    }
    const out: KubeObject = { apiVersion: this.apiObject.apiVersion, kind: this.apiObject.kind, metadata: metadata as Record<string, unknown> };
    const spec = rendered.spec;
    if (spec !== undefined) {
      const copy = rendered.sorted === sort ? spec : plainCopy(spec, sort);
      if (copy === NOT_PLAIN) {
        // cdk8s renders it: its Lazy spec hands over this rendering (it is still current).
        this._validated = { epoch: _epoch(), spec };
        return undefined;
      }
      out.spec = copy;
    }
    return out;
  }

  /**
   * `_toKube()` as Knative stores it: every renderer's output goes through the Go JSON round
   * trip of Knative's defaulting webhook (`src/core/go-json`), without its additions, so
   * zero values Go drops (`initialDelaySeconds: 0`, `readOnly: false`, `value: ""`, empty lists
   * and maps) never reach the output and quantities are canonical (`1024Mi` → `1Gi`).
   */
  private _storedSpec(): unknown {
    return goJsonRoundTripSpec(this.apiObject, this._toKube(), { fillAbsent: false });
  }

  /** The root of this construct's tree (`App.of(this)`), read on every validation pass. */
  private _app(): App {
    return (this._appOf ??= App.of(this));
  }

  /**
   * Whether cdk8s writes our rendering as it is: no JSON patches on the ApiObject and no resolvers
   * beyond the ones every App has (both can be added at any time, without a mutator of ours).
   * Public cdk8s API only (`addJsonPatch()` is overridden, `App.resolvers` is public).
   */
  private _ownRenderingIsFinal(): boolean {
    return !this._knativeApiObject.hasJsonPatches && this._app().resolvers.every(isBuiltInResolver);
  }

  /**
   * The object metadata as cdk8s writes it (`ApiObjectMetadataDefinition.toJson()`, which resolves
   * `Lazy` values) when our own rendering is final; otherwise (or when it throws) undefined.
   * Not necessarily plain JSON.
   */
  private _finalMetadata(): unknown {
    if (!this._ownRenderingIsFinal()) return undefined;
    try {
      return this.apiObject.metadata.toJson();
    } catch {
      return undefined; // let toJson() report it the way cdk8s does
    }
  }

  /**
   * The manifest as synthesized, for validation, and whether it came from our own plain
   * rendering. That cheap rendering (`metadata` from `_finalMetadata()` when plain JSON, our spec without the
   * generic cdk8s resolve) is used when nothing can change it on the way out; the full cdk8s render
   * (`toJson()`) is used when the ApiObject has JSON patches (escape hatch), the app registers its
   * own resolvers, or our rendering is not plain JSON (tokens, undefined, null), so that what is
   * validated is exactly what is written. Third: the spec as `toJson()` will write it (our own
   * sorted copy, see `plainCopy`), when our plain rendering has one.
   */
  private _renderForValidation(metadata: Record<string, unknown> | undefined): [KubeObject, boolean, { spec: unknown; sorted: boolean }?] {
    if (metadata !== undefined) {
      let manifest: KubeObject | undefined;
      try {
        manifest = { apiVersion: this.apiObject.apiVersion, kind: this.apiObject.kind, metadata };
        const spec = this._storedSpec();
        if (spec !== undefined) manifest.spec = spec;
      } catch {
        manifest = undefined; // let toJson() report it the way cdk8s does
      }
      if (manifest && manifest.spec === undefined) return [manifest, true];
      if (manifest) {
        // The copy that `toJson()` writes, made now: it checks that the spec is plain JSON on the
        // way, and the rendering it copies need not stay in memory until then.
        const sort = !process.env.CDK8S_DISABLE_SORT;
        const copy = plainCopy(manifest.spec, sort);
        if (copy !== NOT_PLAIN) return [manifest, true, { spec: copy, sorted: sort }];
        if (isPlainJson(manifest.spec)) return [manifest, true];
      }
    }
    return [this.apiObject.toJson() as KubeObject, false];
  }

  /**
   * Feature gates declared for this resource's scope (`KnativeFeatures.enable()` / context).
   * @internal
   */
  protected _enabledFeatures(): KnativeFeature[] {
    return KnativeFeatures.of(this);
  }

}
