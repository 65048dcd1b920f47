/** config-autoscaler (reference §12). */
import { formatGoDuration } from './duration';
import { Reader } from './reader';
import { AutoscalerConfig, ConfigError, defaultServingConfig } from './types';

export function parseAutoscaler(data: Record<string, string>): AutoscalerConfig {
  const r = new Reader('config-autoscaler', data);
  const a = defaultServingConfig().autoscaler;
  const cm = 'config-autoscaler';
  a.podAutoscalerClass = r.string(a.podAutoscalerClass, 'pod-autoscaler-class');
  a.enableScaleToZero = r.bool(a.enableScaleToZero, 'enable-scale-to-zero');
  a.allowZeroInitialScale = r.bool(a.allowZeroInitialScale, 'allow-zero-initial-scale');
  a.initialScale = r.int(a.initialScale, 'initial-scale');
  a.minScale = r.int(a.minScale, 'min-scale');
  a.maxScale = r.int(a.maxScale, 'max-scale');
  a.maxScaleLimit = r.int(a.maxScaleLimit, 'max-scale-limit');
  a.containerConcurrencyTargetDefault = r.float(a.containerConcurrencyTargetDefault, 'container-concurrency-target-default');
  a.containerConcurrencyTargetPercentage = r.float(a.containerConcurrencyTargetPercentage, 'container-concurrency-target-percentage');
  // Legacy: values in (0, 1] are fractions.
  if (a.containerConcurrencyTargetPercentage > 0 && a.containerConcurrencyTargetPercentage <= 1) {
    a.containerConcurrencyTargetPercentage *= 100;
  }
  a.requestsPerSecondTargetDefault = r.float(a.requestsPerSecondTargetDefault, 'requests-per-second-target-default');
  a.targetBurstCapacity = r.float(a.targetBurstCapacity, 'target-burst-capacity');
  a.stableWindowSeconds = r.duration(a.stableWindowSeconds, 'stable-window');
  a.panicWindowPercentage = r.float(a.panicWindowPercentage, 'panic-window-percentage');
  a.panicThresholdPercentage = r.float(a.panicThresholdPercentage, 'panic-threshold-percentage');
  a.scaleToZeroGracePeriodSeconds = r.duration(a.scaleToZeroGracePeriodSeconds, 'scale-to-zero-grace-period');
  a.scaleToZeroPodRetentionPeriodSeconds = r.duration(a.scaleToZeroPodRetentionPeriodSeconds, 'scale-to-zero-pod-retention-period');
  a.scaleDownDelaySeconds = r.duration(a.scaleDownDelaySeconds, 'scale-down-delay');
  a.maxScaleUpRate = r.float(a.maxScaleUpRate, 'max-scale-up-rate');
  a.maxScaleDownRate = r.float(a.maxScaleDownRate, 'max-scale-down-rate');
  a.activatorCapacity = r.float(a.activatorCapacity, 'activator-capacity');

  const bad = (key: string, value: number | string, problem: string, fix: string): never => {
    throw new ConfigError(cm, key, r.raw(key)?.value ?? String(value), problem, fix);
  };
  if (a.initialScale < 0 || (a.initialScale === 0 && !a.allowZeroInitialScale)) {
    bad('initial-scale', a.initialScale, 'must be ≥ 1 (or 0 when allow-zero-initial-scale is "true")',
      'use a positive initial-scale, or set allow-zero-initial-scale: "true" to allow 0');
  }
  if (a.maxScaleLimit < 0) bad('max-scale-limit', a.maxScaleLimit, 'must be ≥ 0', 'use 0 (no limit) or a positive limit');
  // Knative: max-scale in [limit > 0 ? 1 : 0, limit]; min-scale in [0, max-scale] when max-scale > 0.
  if (a.maxScale < 0 || (a.maxScaleLimit > 0 && (a.maxScale < 1 || a.maxScale > a.maxScaleLimit))) {
    bad('max-scale', a.maxScale, a.maxScaleLimit > 0 ? `must be between 1 and max-scale-limit (${a.maxScaleLimit})` : 'must be ≥ 0',
      a.maxScaleLimit > 0 ? `set max-scale to a value from 1 to ${a.maxScaleLimit} (0, unlimited, is not allowed under a limit)` : 'use 0 (unlimited) or a positive value');
  }
  if (a.minScale < 0 || (a.maxScale > 0 && a.minScale > a.maxScale)) {
    bad('min-scale', a.minScale, `must be ≥ 0${a.maxScale > 0 ? ` and ≤ max-scale (${a.maxScale})` : ''}`, 'lower min-scale or raise max-scale');
  }
  if (a.containerConcurrencyTargetPercentage > 0 && a.containerConcurrencyTargetPercentage <= 100 &&
      a.containerConcurrencyTargetDefault * a.containerConcurrencyTargetPercentage / 100 < 0.01) {
    bad('container-concurrency-target-default', a.containerConcurrencyTargetDefault,
      'container-concurrency-target-percentage and container-concurrency-target-default yield a target concurrency below 0.01',
      'use a target such as "100"');
  }
  if (a.requestsPerSecondTargetDefault < 0.01) {
    bad('requests-per-second-target-default', a.requestsPerSecondTargetDefault, 'must be at least 0.01', 'use a target such as "200"');
  }
  if (a.containerConcurrencyTargetPercentage <= 0 || a.containerConcurrencyTargetPercentage > 100) {
    bad('container-concurrency-target-percentage', a.containerConcurrencyTargetPercentage, 'must be in (0, 100]', 'use a percentage such as "70"');
  }
  if (a.targetBurstCapacity < 0 && a.targetBurstCapacity !== -1) {
    bad('target-burst-capacity', a.targetBurstCapacity, 'must be ≥ 0 or exactly -1 (unlimited)', 'use e.g. "211", "0" or "-1"');
  }
  if (a.stableWindowSeconds < 6 || a.stableWindowSeconds > 3600 || !Number.isInteger(a.stableWindowSeconds)) {
    bad('stable-window', formatGoDuration(a.stableWindowSeconds), 'must be between 6s and 1h, in whole seconds', 'use e.g. "60s"');
  }
  if (a.panicWindowPercentage < 1 || a.panicWindowPercentage > 100) {
    bad('panic-window-percentage', a.panicWindowPercentage, 'must be in [1, 100]', 'use e.g. "10"');
  }
  // Knative: the panic window (stable-window × percentage) must be at least one 1s bucket.
  if (a.stableWindowSeconds * a.panicWindowPercentage / 100 < 1) {
    const window = `a panic window of ${a.stableWindowSeconds * a.panicWindowPercentage / 100}s (stable-window ${formatGoDuration(a.stableWindowSeconds)} × `
      + `panic-window-percentage ${a.panicWindowPercentage} / 100), below 1s`;
    // Blame the key that was written (the percentage if both were).
    if (r.raw('panic-window-percentage')) bad('panic-window-percentage', a.panicWindowPercentage, `gives ${window}`, 'raise panic-window-percentage or stable-window');
    bad('stable-window', formatGoDuration(a.stableWindowSeconds), `gives ${window}`, 'raise stable-window or panic-window-percentage');
  }
  // Knative (1.17–1.23): positive (the constructs' setting asks for at least 6s, see src/serving/cluster-config.ts).
  if (a.scaleToZeroGracePeriodSeconds <= 0) {
    bad('scale-to-zero-grace-period', formatGoDuration(a.scaleToZeroGracePeriodSeconds), 'must be positive', 'use e.g. "30s"');
  }
  if (a.scaleToZeroPodRetentionPeriodSeconds < 0) {
    bad('scale-to-zero-pod-retention-period', formatGoDuration(a.scaleToZeroPodRetentionPeriodSeconds), 'must be ≥ 0', 'use e.g. "0s"');
  }
  if (a.scaleDownDelaySeconds < 0 || !Number.isInteger(a.scaleDownDelaySeconds)) {
    bad('scale-down-delay', formatGoDuration(a.scaleDownDelaySeconds), 'must be ≥ 0 and in whole seconds', 'use e.g. "0s" or "15m"');
  }
  if (a.maxScaleUpRate <= 1) bad('max-scale-up-rate', a.maxScaleUpRate, 'must be greater than 1', 'use e.g. "1000"');
  if (a.maxScaleDownRate <= 1) bad('max-scale-down-rate', a.maxScaleDownRate, 'must be greater than 1', 'use e.g. "2"');
  if (a.activatorCapacity < 1) bad('activator-capacity', a.activatorCapacity, 'must be at least 1', 'use e.g. "100"');
  return a;
}
