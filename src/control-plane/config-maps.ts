import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkNamespace, commonLabels } from './common';
import { SERVING_CONFIG_MAP_NAMES, ServingConfig } from '../core/config';
import { DEFAULT_SYSTEM_NAMESPACE } from '../core/runtime-contract';
import { renderServingConfig, RenderedConfig } from '../serving/cluster-config';
import { _withPath } from '../serving/errors';
import { ServingConfigSettings } from '../serving/settings';

/** Props of `ServingConfigMaps`: the settings, and where the ConfigMaps go. */
export interface ServingConfigMapsProps extends ServingConfigSettings {
  /**
   * Namespace of the ConfigMaps (the system namespace of Knative Serving).
   * @default "knative-serving"
   */
  readonly namespace?: string;
}

/**
 * Knative Serving's `config-*` ConfigMaps (`config-defaults`, `config-features`,
 * `config-autoscaler`, `config-network`, `config-domain`, `config-gc`, `config-deployment`),
 * rendered from typed settings: only the keys of the settings you set are written (a ConfigMap
 * with none has no `data`), and every value is checked eagerly against the ranges Knative's own
 * parser accepts. A bad setting throws an error naming this construct, the prop, the value and
 * a fix.
 *
 * `ServingControlPlane` creates them for the bundled runtime (and reports errors in its props at
 * its own path). On their own they render the same ConfigMaps, e.g. for another Knative Serving
 * installation; the Knative constructs of the app are then validated against Knative's
 * defaults unless the same settings are declared with `KnativeCluster.configure()` (a
 * `ServingControlPlane` declares its own).
 */
export class ServingConfigMaps extends Construct {
  /** Namespace of the ConfigMaps. */
  public readonly namespace: string;
  /** The ConfigMaps, one ApiObject each, in the order above. */
  public readonly configMaps: ApiObject[];

  /**
   * The configuration the runtime reads from these ConfigMaps (parsed by its parser).
   * @internal
   */
  public readonly _config: ServingConfig;
  /**
   * The rendered `data` of each ConfigMap, by name.
   * @internal
   */
  public readonly _data: RenderedConfig;

  constructor(scope: Construct, id: string, props: ServingConfigMapsProps = {}) {
    super(scope, id);
    this.namespace = _withPath(this, () => checkNamespace(props.namespace ?? DEFAULT_SYSTEM_NAMESPACE));
    const { data, config } = renderServingConfig(props, { scope: this, fieldPrefix: '' });
    this._config = config;
    this._data = data;
    const labels = _withPath(this, commonLabels);
    this.configMaps = SERVING_CONFIG_MAP_NAMES.map(name => new k8s.KubeConfigMap(this, name, {
      metadata: { name, namespace: this.namespace, labels: { ...labels } },
      ...(Object.keys(data[name]).length > 0 ? { data: data[name] } : {}),
    }));
  }
}
