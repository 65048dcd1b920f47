/**
 * Plain-JSON shapes of the Knative Serving and Kubernetes objects the pure core works on.
 *
 * These are structural types for manifests as they appear on the wire (what `cdk8s synth`
 * writes and what the API server stores). They are deliberately loose where Knative is loose
 * (maps, feature-gated subtrees) and are NOT part of the jsii API: nothing here is exported
 * from src/index.ts. src/core must not import cdk8s, constructs or the Kubernetes client.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json | undefined };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------
// Knative status machinery (reference §2.4)
// ---------------------------------------------------------------------------

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  severity?: '' | 'Info' | 'Warning';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Addressable {
  url?: string;
}

/**
 * One `spec.traffic[]` / `status.traffic[]` entry as it is on the wire (JSON). Not the jsii class
 * `TrafficTarget` in serving/traffic.ts, which renders to this shape.
 */
export interface WireTrafficTarget {
  tag?: string;
  revisionName?: string;
  configurationName?: string;
  latestRevision?: boolean;
  percent?: number;
  url?: string;
}

export interface KnStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  annotations?: Record<string, string>;
}

export interface ConfigurationStatusFields {
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
}

export interface RouteStatusFields {
  url?: string;
  address?: Addressable;
  traffic?: WireTrafficTarget[];
}

/**
 * `spec.template` of a Service or Configuration as it is on the wire (JSON). Not the construct
 * `RevisionTemplate` in serving/template.ts, which renders to this shape.
 */
export interface WireRevisionTemplate {
  metadata?: ObjectMeta;
  spec: RevisionSpec;
}

/** Knative RevisionSpec = restricted PodSpec + containerConcurrency/timeouts (reference §6). */
export interface RevisionSpec {
  containers: any[];
  volumes?: any[];
  serviceAccountName?: string;
  imagePullSecrets?: Array<{ name: string }>;
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  containerConcurrency?: number;
  timeoutSeconds?: number;
  responseStartTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  [key: string]: unknown;
}

export interface KnServiceObject extends KubeObject {
  spec: { template: WireRevisionTemplate; traffic?: WireTrafficTarget[] };
  status?: KnStatus & ConfigurationStatusFields & RouteStatusFields;
}

export interface ConfigurationObject extends KubeObject {
  spec: { template: WireRevisionTemplate };
  status?: KnStatus & ConfigurationStatusFields;
}

export interface RevisionObject extends KubeObject {
  spec: RevisionSpec;
  status?: KnStatus & {
    logUrl?: string;
    containerStatuses?: Array<{ name: string; imageDigest?: string }>;
    actualReplicas?: number;
    desiredReplicas?: number;
  };
}

export interface RouteObject extends KubeObject {
  spec: { traffic?: WireTrafficTarget[] };
  status?: KnStatus & RouteStatusFields;
}

export interface DomainMappingObject extends KubeObject {
  spec: {
    ref: { apiVersion?: string; kind: string; name: string; namespace?: string; address?: string };
    tls?: { secretName: string };
  };
  status?: KnStatus & { url?: string; address?: Addressable };
}

export const SERVING_GROUP = 'serving.knative.dev';
export const SERVING_API_VERSION = 'serving.knative.dev/v1';
export const DOMAIN_MAPPING_API_VERSION = 'serving.knative.dev/v1beta1';
