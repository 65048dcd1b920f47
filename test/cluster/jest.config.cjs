// Jest config of the cluster tier (real kube-apiserver; see test/cluster/README section in the
// project README). Same transform, module mapping and temp-dir hygiene as the default config, but
// only test/cluster/, one file at a time, long timeouts. Run it through netns.sh:
//   npx projen test:cluster        (= bash test/cluster/netns.sh npx jest -c test/cluster/jest.config.cjs)
const base = require('../../package.json').jest;

module.exports = {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  collectCoverage: false,
  reporters: ['default'],
  maxWorkers: 1,
  testTimeout: 300_000,
};
