export * from './rbac';
export * from './settings';
export * from './serving-control-plane';
