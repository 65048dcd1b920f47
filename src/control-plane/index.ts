export * from './rbac';
export * from './settings';
export * from './crds';
export * from './config-maps';
export * from './serving-control-plane';
