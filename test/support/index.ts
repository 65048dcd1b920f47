/**
 * In-process Kubernetes API emulator for runtime tests (see README.md in this folder).
 */
export { KubeApiEmulator } from './emulator';
export type { EmulatorOptions, RecordedAction, FailureSpec, Verb, Reactor, ReactorRequest } from './emulator';
export { makeKubeConfig } from './kubeconfig';
export { defaultAdmission, configFromConfigMaps, configMapData } from './admission';
export type { AdmissionHook, AdmissionRequest, AdmissionResult, AdmissionViolation, DeleteOptions } from './store';
export { defaultFailure } from './workloads';
export type { WorkloadOptions, WorkloadFailure, EndpointSliceOptions, PodBackend, PodInfo } from './workloads';
export { LoopbackBackend, loopbackBackends } from './backends';
export type { LoopbackBackendOptions } from './backends';
export { API_AUDIENCE, TOKEN_ISSUER } from './tokens';
export type { IssueTokenOptions, IssuedToken, TokenReviewStatus } from './tokens';
export { SERVICE_NAME_LABEL, MANAGED_BY_LABEL } from './endpointslices';
export { RESOURCES, resolveType, apiVersionOf } from './resources';
export type { ResourceType } from './resources';
export { parseLabelSelector, matchesLabels } from './selectors';
export type { StatusBody, StatusCause } from './errors';
