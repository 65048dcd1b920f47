/**
 * The objects the conformance test judges, from four sources:
 *  - `corpus`: every hand-written edge case of ./catalog.ts on a minimal object of each kind it
 *    applies to, under the default configuration and under each configuration the edit names
 *    (its feature gate enabled, config knobs); and a few Services under each config map at the
 *    edges of the parsers (`CONFIG_EDGES`);
 *  - `mutation`: seeded random combinations of 1–4 catalog edits on a random kind under a random
 *    configuration;
 *  - `property`: the property test's arbitraries (test/property/arbitraries.ts) built into
 *    KnServices and Routes, rendered without synth-time validation (so objects our rules reject
 *    are judged too);
 *  - `example`: every Knative object of every step of every example (examples/*), under the
 *    configuration the example installs.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import {
  CONFIG_EDGE_EDITS, CONFIG_EDGES, CONFIGS, configNamed, DOMAIN_MAPPING_EDITS, Edit, ROUTE_EDITS, WORKLOAD_EDITS,
} from './catalog';
import { loadExamples } from '../../scripts/synth-examples';
import { KnService, Route } from '../../src';
import type { ConfigMapData } from '../../src/core/config';
import type { KubeObject } from '../../src/core/types';
import { buildSplit, entries, objectName, serviceCase, serviceProps } from '../property/arbitraries';
import { configMapData } from '../support/admission';

export type Source = 'corpus' | 'mutation' | 'property' | 'example';

/** One object to judge, with the config maps it is admitted under. */
export interface Case {
  readonly id: string;
  readonly source: Source;
  /** Rule families of the edits (corpus, mutation) or the generator (property, example). */
  readonly families: readonly string[];
  /** Name of the configuration (CONFIGS key, `gate:<flag>`, or the example's). */
  readonly configName: string;
  readonly config?: ConfigMapData;
  readonly object: KubeObject;
  /** What was edited, for reports. */
  readonly edits?: readonly Edit[];
}

type WorkloadKind = 'Service' | 'Configuration' | 'Revision';
type Kind = WorkloadKind | 'Route' | 'DomainMapping';

function base(kind: Kind): KubeObject {
  const meta = { name: 'svc', namespace: 'default' };
  const pod = { containers: [{ image: 'nginx' }] };
  switch (kind) {
    case 'Service': return { apiVersion: 'serving.knative.dev/v1', kind, metadata: meta, spec: { template: { spec: pod } } };
    case 'Configuration': return { apiVersion: 'serving.knative.dev/v1', kind, metadata: meta, spec: { template: { spec: pod } } };
    case 'Revision': return { apiVersion: 'serving.knative.dev/v1', kind, metadata: { ...meta, name: 'svc-v1' }, spec: pod };
    case 'Route': return { apiVersion: 'serving.knative.dev/v1', kind, metadata: { ...meta, name: 'r' }, spec: { traffic: [{ configurationName: 'svc', percent: 100 }] } };
    case 'DomainMapping': return {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind,
      metadata: { name: 'example.com', namespace: 'default' },
      spec: { ref: { kind: 'Service', apiVersion: 'serving.knative.dev/v1', name: 'svc' } },
    };
  }
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** Apply one edit to `obj` of `kind` (in place). Edits that do not fit the kind are skipped. */
function applyEdit(obj: KubeObject, kind: Kind, edit: Edit, container = 0): void {
  const value = clone(edit.value);
  const workload = kind === 'Service' || kind === 'Configuration' || kind === 'Revision';
  const pod = (): Record<string, any> | undefined => {
    if (!workload) return undefined;
    return kind === 'Revision' ? obj.spec : obj.spec?.template?.spec;
  };
  switch (edit.place) {
    case 'meta':
      obj.metadata = { ...obj.metadata, [edit.field]: value };
      return;
    case 'templateMeta':
      if (!workload) return;
      if (kind === 'Revision') {
        obj.metadata = { ...obj.metadata, [edit.field]: value };
      } else {
        obj.spec.template.metadata = { ...(obj.spec.template.metadata ?? {}), [edit.field]: value };
      }
      return;
    case 'pod': {
      const p = pod();
      if (!p) return;
      if (edit.field === 'volumes+mounts') {
        const v = value as { volumes: unknown; mounts: unknown };
        p.volumes = v.volumes;
        const c = Array.isArray(p.containers) ? p.containers[0] : undefined;
        if (c && typeof c === 'object') c.volumeMounts = v.mounts;
        return;
      }
      p[edit.field] = value;
      return;
    }
    case 'container': {
      const c = pod()?.containers?.[container];
      if (c && typeof c === 'object') c[edit.field] = value;
      return;
    }
    case 'spec':
      if (kind === 'Service' || kind === 'DomainMapping') obj.spec[edit.field] = value;
      return;
    case 'route':
      if (kind === 'Route') obj.spec[edit.field] = value;
      return;
  }
}

/**
 * `kind`'s minimal object with `edits` applied. `sidecar`: the pod has a second container (the
 * first one serving port 8080) and container edits go to the sidecar.
 */
function build(kind: Kind, edits: readonly Edit[], sidecar = false): KubeObject {
  const obj = base(kind);
  const workload = kind === 'Service' || kind === 'Configuration' || kind === 'Revision';
  if (sidecar && workload) {
    const pod = kind === 'Revision' ? obj.spec : obj.spec.template.spec;
    pod.containers = [{ image: 'nginx', ports: [{ containerPort: 8080 }] }, { image: 'side' }];
  }
  for (const e of edits) applyEdit(obj, kind, e, sidecar ? 1 : 0);
  return obj;
}

function editsFor(kind: Kind): readonly Edit[] {
  if (kind === 'Route') return ROUTE_EDITS;
  if (kind === 'DomainMapping') return DOMAIN_MAPPING_EDITS;
  return WORKLOAD_EDITS;
}

/** Every catalog edit alone, on each kind it applies to, under the default config and each config it names. */
export function corpusCases(): Case[] {
  const out: Case[] = [];
  let n = 0;
  const push = (kind: Kind, edit: Edit, configName: string) => {
    out.push({
      id: `corpus-${n++}`,
      source: 'corpus',
      families: [edit.family],
      configName,
      config: configNamed(configName),
      object: build(kind, [edit]),
      edits: [edit],
    });
  };
  for (const kind of ['Service', 'Configuration', 'Revision'] as const) {
    for (const edit of WORKLOAD_EDITS) {
      if (kind !== 'Service' && edit.place === 'spec') continue;
      push(kind, edit, 'default');
      for (const c of edit.configs ?? []) push(kind, edit, c);
    }
  }
  for (const edit of ROUTE_EDITS) {
    push('Route', edit, 'default');
    for (const c of edit.configs ?? []) push('Route', edit, c);
  }
  for (const edit of DOMAIN_MAPPING_EDITS) push('DomainMapping', edit, 'default');
  CONFIG_EDGES.forEach((config, i) => {
    for (const edits of [[], ...CONFIG_EDGE_EDITS]) {
      out.push({
        id: `corpus-${n++}`,
        source: 'corpus',
        families: ['config'],
        configName: `config-edge-${i} ${JSON.stringify(config)}`,
        config,
        object: build('Service', edits),
        edits,
      });
    }
  });
  return out;
}

/** `count` seeded random combinations of catalog edits. */
export function mutationCases(count: number, seed: number): Case[] {
  const kind = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Kind>('Service') },
    { weight: 2, arbitrary: fc.constant<Kind>('Configuration') },
    { weight: 2, arbitrary: fc.constant<Kind>('Revision') },
    { weight: 1, arbitrary: fc.constant<Kind>('Route') },
    { weight: 1, arbitrary: fc.constant<Kind>('DomainMapping') },
  );
  const generic = Object.keys(CONFIGS);
  const arb = kind.chain((k) => {
    const pool = editsFor(k);
    return fc.record({
      kind: fc.constant(k),
      edits: fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 4 }),
      pick: fc.nat(),
      sidecar: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), // one in five: container edits on a sidecar
    });
  });
  return fc.sample(arb, { seed, numRuns: count }).map((s, i) => {
    // Half under a config one of the edits names (its gate enabled), else any named config.
    const named = [...new Set(s.edits.flatMap((e) => e.configs ?? []))];
    const choices = s.pick % 2 === 0 && named.length > 0 ? named : generic;
    const configName = choices[Math.floor(s.pick / 2) % choices.length];
    return {
      id: `mutation-${i}`,
      source: 'mutation',
      families: [...new Set(s.edits.map((e) => e.family))],
      configName,
      config: configNamed(configName),
      object: build(s.kind, s.edits, s.sidecar),
      edits: s.edits,
    };
  });
}

/** The Knative objects an app renders, without synth-time validation. */
function rendered(app: App): KubeObject[] {
  return app.charts.flatMap((c) => c.node.findAll())
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => o.toJson() as KubeObject)
    .filter((o) => typeof o.apiVersion === 'string' && o.apiVersion.startsWith('serving.knative.dev/'));
}

/** KnServices and Routes from the property test's arbitraries (cases that fail eagerly make no object). */
export function propertyCases(services: number, routes: number, seed: number): Case[] {
  const out: Case[] = [];
  const add = (objects: KubeObject[], family: string) => {
    for (const object of objects) {
      out.push({ id: `property-${out.length}`, source: 'property', families: [family], configName: 'default', object });
    }
  };
  for (const p of fc.sample(serviceCase, { seed, numRuns: services })) {
    const app = new App();
    const chart = new Chart(app, 'prop', { namespace: p.namespace });
    try {
      const svc = new KnService(chart, 'Svc', serviceProps(p));
      if (p.traffic) svc.replaceTraffic(buildSplit(svc, chart, p.traffic));
      add(rendered(app), 'property-service');
    } catch {
      // an eager error: the constructs refuse the props, there is no object to judge
    }
  }
  const routeCase = fc.record({ name: objectName, entries, clusterLocal: fc.boolean() });
  for (const p of fc.sample(routeCase, { seed: seed + 1, numRuns: routes })) {
    const app = new App();
    const chart = new Chart(app, 'prop', { namespace: 'default' });
    try {
      const traffic = buildSplit(undefined, chart, p.entries);
      new Route(chart, 'Route', { metadata: { name: p.name }, clusterLocal: p.clusterLocal, traffic });
      add(rendered(app), 'property-route');
    } catch {
      // eager error
    }
  }
  return out;
}

/** Every Knative object of every example step, under the config-* ConfigMaps the step installs (if any). */
export function exampleCases(): Case[] {
  const out: Case[] = [];
  for (const example of loadExamples()) {
    for (const step of example.steps) {
      const app = new App();
      step.build(app);
      const all = app.charts.flatMap((c) => c.node.findAll())
        .filter((c): c is ApiObject => c instanceof ApiObject)
        .map((o) => o.toJson() as KubeObject);
      const cms = all.filter((o) => o.kind === 'ConfigMap' && o.metadata?.namespace === 'knative-serving');
      const config = cms.length > 0 ? configMapData(cms) : undefined;
      for (const object of all.filter((o) => typeof o.apiVersion === 'string' && o.apiVersion.startsWith('serving.knative.dev/'))) {
        out.push({
          id: `example-${out.length}`,
          source: 'example',
          families: [`example:${example.name}`],
          configName: `example:${example.name}/${step.name}`,
          config,
          object,
        });
      }
    }
  }
  return out;
}
