/**
 * Build a real @kubernetes/client-node KubeConfig pointing at an emulator.
 * (Kept apart from emulator.ts so the emulator itself does not load the ESM-only client.)
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

// client-node is ESM-only: require() works under jest (vendored CJS), esbuild bundles and Node >= 20.19.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

/**
 * A KubeConfig for `url` (or a started emulator). `user` becomes the bearer token "user:<name>",
 * which the emulator reports to admission as the requesting user (creator/lastModifier).
 */
export function makeKubeConfig(target: string | { url: string }, user?: string): K8s.KubeConfig {
  const server = typeof target === 'string' ? target : target.url;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'emulator', server, skipTLSVerify: true }],
    users: [user ? { name: 'emulator-user', token: `user:${user}` } : { name: 'emulator-user' }],
    contexts: [{ name: 'emulator', cluster: 'emulator', user: 'emulator-user', namespace: 'default' }],
    currentContext: 'emulator',
  });
  return kc;
}
