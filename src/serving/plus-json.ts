import { ApiObject, App, Chart } from 'cdk8s';
import { ContainerProps as PlusContainerProps, EnvFrom, Pod, Probe, Volume } from 'cdk8s-plus-28';

/**
 * cdk8s-plus value objects (`Volume`, `EnvFrom`, `Probe`) as the Kubernetes JSON cdk8s-plus renders
 * for them, read through its public API only: the object is given to a cdk8s-plus `Pod` in a
 * private scratch chart, the Pod is serialized with `ApiObject.toJson()`, and the Pod is removed
 * again. cdk8s-plus keeps these objects' contents private (their `_toKube()` is `@internal`), so
 * this is the one way to read them that a cdk8s-plus release cannot break.
 *
 * The objects are immutable, so each is rendered once (a WeakMap per kind). Not exported from the
 * package.
 */

/** The scratch chart (never synthesized; each Pod is removed right after it is serialized). */
let scratch: Chart | undefined;
let sequence = 0;

/** The `spec` cdk8s-plus renders for a Pod with these containers and volumes. */
function renderPodSpec(containers: PlusContainerProps[], volumes: Volume[] = []): Record<string, any> {
  scratch ??= new Chart(new App(), 'cdk8s-plus-json');
  const id = `Pod${sequence++}`;
  const pod = new Pod(scratch, id, { containers, volumes });
  try {
    return ApiObject.of(pod).toJson().spec;
  } finally {
    scratch.node.tryRemoveChild(id);
  }
}

/** A container cdk8s-plus accepts, for the objects under test. */
function scratchContainer(name: string, props: Partial<PlusContainerProps> = {}): PlusContainerProps {
  return { name, image: 'scratch', ...props };
}

const VOLUMES = new WeakMap<Volume, Record<string, any>>();

/** A cdk8s-plus volume as Kubernetes JSON: `{ name, <kind>: source }`. */
export function plusVolumeJson(volume: Volume): Record<string, any> {
  let json = VOLUMES.get(volume);
  if (!json) {
    json = renderPodSpec([scratchContainer('c')], [volume]).volumes[0] as Record<string, any>;
    VOLUMES.set(volume, json);
  }
  return json;
}

const ENV_FROMS = new WeakMap<EnvFrom, Record<string, any>>();

/** A cdk8s-plus `EnvFrom` (`Env.fromSecret()`, `Env.fromConfigMap()`) as Kubernetes JSON. */
export function plusEnvFromJson(from: EnvFrom): Record<string, any> {
  let json = ENV_FROMS.get(from);
  if (!json) {
    json = (renderPodSpec([scratchContainer('c', { envFrom: [from] })]).containers[0].envFrom?.[0] ?? {}) as Record<string, any>;
    ENV_FROMS.set(from, json);
  }
  return json;
}

/**
 * A cdk8s-plus `Probe` as cdk8s-plus renders it, twice: in a container whose port is 1 and in one
 * whose port is 2. A handler port that differs between the two is the container's port, i.e. the
 * probe left it unset (cdk8s-plus fills in `container.portNumber`).
 */
export function plusProbeJson(probe: Probe): { readonly port1: Record<string, any>; readonly port2: Record<string, any> } {
  const spec = renderPodSpec([
    scratchContainer('port1', { portNumber: 1, readiness: probe }),
    scratchContainer('port2', { portNumber: 2, readiness: probe }),
  ]);
  return { port1: spec.containers[0].readinessProbe, port2: spec.containers[1].readinessProbe };
}
