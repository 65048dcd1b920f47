// Public API: constructs only. src/core and src/runtime are internal.
export * from './serving';
export * from './control-plane';
