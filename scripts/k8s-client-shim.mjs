// The only @kubernetes/client-node exports the bundled runtime uses. The runtime bundles alias
// the package to this file (see runtime-build-options.cjs) so esbuild can drop the ~1,000
// generated API/model modules we never load: smaller bundles and ~30 MB less RSS per process.
// Add a name here when the runtime starts using it (scripts/build-runtime.mjs fails when a
// `k8s.<Name>` used under src/runtime is missing here).
export {
  AuthenticationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  ServerConfiguration,
  Watch,
} from '@kubernetes/client-node';
