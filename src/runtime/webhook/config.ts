/**
 * The cluster configuration the webhook admits with: the config-* ConfigMaps of the system
 * namespace, watched with the controller's list+watch informer and parsed as the controller
 * parses them (`parseServingConfig` over SERVING_CONFIG_MAP_NAMES), so a change applies to the
 * next review without a restart. A ConfigMap that does not parse (possible only when the config
 * validation webhook is not registered) is logged and the previous configuration kept, as the
 * controller does.
 */
import { ConfigError, defaultServingConfig, parseServingConfig, SERVING_CONFIG_MAP_NAMES, ServingConfig } from '../../core/config';
import type { KubeObject } from '../../core/types';
import { Logger, silentLogger } from '../common/log';
import { KubeClient, R } from '../controller/client';
import { Informer } from '../controller/informers';

export class ConfigWatcher {
  /** The configuration in force (Knative's defaults until the ConfigMaps are listed). */
  public config: ServingConfig;
  /** How many times the configuration changed (for tests and metrics). */
  public reloads = 0;
  private readonly informer: Informer<KubeObject>;
  private lastData = '';
  private readonly log: Logger;

  constructor(client: KubeClient, private readonly namespace: string, private readonly clusterDomain = 'cluster.local', log?: Logger) {
    this.log = log ?? silentLogger;
    this.config = defaultServingConfig(clusterDomain);
    this.informer = new Informer<KubeObject>(client, R.configMaps, { namespace, log: this.log });
    const reload = () => this.reload();
    this.informer.addHandler({ onAdd: reload, onUpdate: reload, onDelete: reload });
  }

  public get synced(): boolean {
    return this.informer.hasSynced;
  }

  public async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    this.reload();
  }

  public stop(): void {
    this.informer.stop();
  }

  private reload(): void {
    const data: Record<string, Record<string, string> | undefined> = {};
    for (const n of SERVING_CONFIG_MAP_NAMES) {
      data[n] = (this.informer.lister.get(this.namespace, n) as { data?: Record<string, string> } | undefined)?.data;
    }
    const text = JSON.stringify(data);
    if (text === this.lastData) return;
    try {
      this.config = parseServingConfig(data, this.clusterDomain);
    } catch (e) {
      this.log.error('invalid configuration; keeping the previous one', { error: e instanceof ConfigError ? e.message : e });
      return;
    }
    this.lastData = text;
    this.reloads++;
    this.log.info('configuration reloaded', { configMaps: Object.keys(data).filter((k) => data[k]) });
  }
}
