/**
 * @kubernetes/client-node 1.x is ESM-only while this package compiles to CommonJS. Types are
 * imported in ESM resolution mode; the value is loaded with require(), which works in every
 * place the controller runs: the esbuild bundle (bundled), jest (mapped to a vendored CJS
 * build) and Node ≥ 20.19 (require(esm)).
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const k8s: typeof K8s = require('@kubernetes/client-node');
export type KubeConfig = K8s.KubeConfig;
export type CustomObjectsApi = K8s.CustomObjectsApi;
export type CoreV1Api = K8s.CoreV1Api;
export type AuthenticationV1Api = K8s.AuthenticationV1Api;
export type Watch = K8s.Watch;
