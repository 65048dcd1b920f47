// Internal pure core (NOT exported from src/index.ts).
export * from './types';
export * from './config';
export * from './names';
export * from './hosts';
export * from './routing';
export * from './domain-mapping';
export * from './conditions';
export * from './traffic';
export * from './rollout';
export * from './revision-health';
export * from './image-digest';
export * from './rules';
export * from './quantity';
export * from './go-json';
export * from './runtime-support';
export * from './versions';
export * from './autoscaler';
