import * as core from '../../src/core';

test('core index re-exports the pure modules', () => {
  expect(typeof core.parseServingConfig).toBe('function');
  expect(typeof core.childName).toBe('function');
  expect(typeof core.routeHosts).toBe('function');
  expect(typeof core.resolveTraffic).toBe('function');
  expect(core.SERVICE_CONDITIONS).toBeInstanceOf(core.ConditionSet);
  expect(typeof core.admit).toBe('function');
  expect(core.revisionNameForGeneration('hello', 1)).toBe('hello-00001');
});
