/**
 * ServiceAccount tokens as kube-apiserver issues and reviews them: TokenRequest
 * (`POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`, what the kubelet does for a
 * projected serviceAccountToken volume) and TokenReview (`POST /apis/authentication.k8s.io/v1/tokenreviews`).
 *
 * Tokens are JWTs with the claims the real server writes (iss, aud, sub, exp, iat, nbf, jti and the
 * `kubernetes.io` claim naming the namespace, the ServiceAccount and, for a bound token, the pod).
 * They are signed with HS256 and a key per emulator (the real server uses RS256/ES256 and its
 * service-account key); only the emulator that issued a token accepts it.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { apiError, badRequest, conflict, notFound } from './errors';
import { isPlainObject } from './patch';
import { RESOURCES } from './resources';
import { Store, timestamp } from './store';
import type { KubeObject } from '../../src/core/types';

/** The API server's own audience (its --api-audiences, which defaults to the issuer). */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
/** The issuer (iss claim) of the tokens the emulator signs. */
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** kube-apiserver's minimum TokenRequest lifetime (10 minutes). */
const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;

export interface IssueTokenOptions {
  /** Audiences of the token (default: the API server's audience). */
  audiences?: string[];
  /** Lifetime in seconds (default 3600, at least 600 as kube-apiserver requires). */
  expirationSeconds?: number;
  /** Bind the token to a pod (as the kubelet does for projected tokens): it stops working once that pod is gone. */
  boundPod?: { name: string; uid: string };
}

export interface IssuedToken {
  token: string;
  /** RFC 3339 expiry. */
  expirationTimestamp: string;
}

/** What a TokenReview answers (`status` of authentication.k8s.io/v1 TokenReview). */
export interface TokenReviewStatus {
  authenticated?: boolean;
  user: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

interface Claims {
  'iss': string;
  'aud': string[];
  'sub': string;
  'exp': number;
  'iat': number;
  'nbf': number;
  'jti': string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
  };
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

export class TokenAuthority {
  private readonly key = randomBytes(32);
  private readonly serviceAccounts = RESOURCES.find((t) => t.group === '' && t.plural === 'serviceaccounts')!;
  private readonly pods = RESOURCES.find((t) => t.group === '' && t.plural === 'pods')!;

  constructor(private readonly store: Store, private readonly now: () => Date) {}

  /**
   * Issue a token for an existing ServiceAccount (404 when it does not exist, like the real
   * server; 422 for a lifetime under 10 minutes; 404/409 for a bound pod that is missing or has
   * another uid).
   */
  public issue(namespace: string, serviceAccount: string, opts: IssueTokenOptions = {}): IssuedToken {
    const sa = this.store.getRaw(this.serviceAccounts, namespace, serviceAccount);
    if (!sa) throw notFound('serviceaccounts', '', serviceAccount);
    const expirationSeconds = opts.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION_SECONDS) {
      throw apiError(422, `TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`, 'Invalid', {
        name: serviceAccount,
        group: 'authentication.k8s.io',
        kind: 'TokenRequest',
        causes: [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` }],
      });
    }
    let boundUid: string | undefined;
    if (opts.boundPod) {
      const pod = this.store.getRaw(this.pods, namespace, opts.boundPod.name);
      if (!pod) throw notFound('pods', '', opts.boundPod.name);
      if (opts.boundPod.uid && pod.metadata.uid !== opts.boundPod.uid) {
        throw conflict('pods', '', opts.boundPod.name, `the UID in the bound object reference (${opts.boundPod.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      boundUid = pod.metadata.uid;
    }
    const nowS = Math.floor(this.now().getTime() / 1000);
    const claims: Claims = {
      'iss': TOKEN_ISSUER,
      'aud': opts.audiences && opts.audiences.length > 0 ? [...opts.audiences] : [API_AUDIENCE],
      'sub': `system:serviceaccount:${namespace}:${serviceAccount}`,
      'exp': nowS + expirationSeconds,
      'iat': nowS,
      'nbf': nowS,
      'jti': randomUUID(),
      'kubernetes.io': {
        namespace,
        serviceaccount: { name: serviceAccount, uid: sa.metadata.uid! },
        ...(boundUid ? { pod: { name: opts.boundPod!.name, uid: boundUid } } : {}),
      },
    };
    const head = b64(JSON.stringify({ alg: 'HS256', kid: 'emulator', typ: 'JWT' }));
    const body = b64(JSON.stringify(claims));
    const sig = createHmac('sha256', this.key).update(`${head}.${body}`).digest('base64url');
    return { token: `${head}.${body}.${sig}`, expirationTimestamp: timestamp(new Date(claims.exp * 1000)) };
  }

  /** Whether a bearer token looks like one of ours (a JWT signed by this emulator). */
  public recognizes(token: string): boolean {
    return this.verifySignature(token) !== undefined;
  }

  /**
   * Review a token as kube-apiserver's ServiceAccount token authenticator does: signature, expiry,
   * audiences (the token's must intersect the requested ones, default the API server's), the
   * ServiceAccount still existing with the same uid, a bound pod still existing.
   */
  public review(token: string, audiences: string[] | undefined): TokenReviewStatus {
    const wanted = audiences && audiences.length > 0 ? audiences : [API_AUDIENCE];
    const claims = this.verifySignature(token);
    if (!claims) return { user: {}, error: 'invalid bearer token' };
    const nowS = Math.floor(this.now().getTime() / 1000);
    if (claims.exp <= nowS) return { user: {}, error: '[invalid bearer token, service account token has expired]' };
    const matched = wanted.filter((a) => claims.aud.includes(a));
    if (matched.length === 0) {
      return { user: {}, error: `[invalid bearer token, token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(wanted)}]` };
    }
    const k = claims['kubernetes.io'];
    const sa = this.store.getRaw(this.serviceAccounts, k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid) {
      return { user: {}, error: `[invalid bearer token, service account ${k.namespace}/${k.serviceaccount.name} has been deleted]` };
    }
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] };
    if (k.pod) {
      const pod: KubeObject | undefined = this.store.getRaw(this.pods, k.namespace, k.pod.name);
      if (!pod || pod.metadata.uid !== k.pod.uid) {
        return { user: {}, error: `[invalid bearer token, pod ${k.namespace}/${k.pod.name} has been deleted]` };
      }
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    return {
      authenticated: true,
      user: {
        username: claims.sub,
        uid: k.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
        extra,
      },
      audiences: matched,
    };
  }

  /** TokenRequest (`serviceaccounts/{name}/token` create): the request object with its status filled in. */
  public tokenRequest(namespace: string, serviceAccount: string, body: unknown): KubeObject {
    const b: any = isPlainObject(body) ? body : {};
    const spec: any = isPlainObject(b.spec) ? b.spec : {};
    const ref: any = isPlainObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
    if (ref && ref.kind !== 'Pod') {
      throw badRequest(`the emulator binds tokens to Pods only (got boundObjectRef.kind ${JSON.stringify(ref.kind)})`);
    }
    const issued = this.issue(namespace, serviceAccount, {
      audiences: Array.isArray(spec.audiences) ? spec.audiences.map(String) : undefined,
      expirationSeconds: spec.expirationSeconds ?? undefined,
      boundPod: ref ? { name: String(ref.name ?? ''), uid: String(ref.uid ?? '') } : undefined,
    });
    const claims = this.verifySignature(issued.token)!;
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      // the ServiceAccount's name and uid, as kube-apiserver answers
      metadata: { name: serviceAccount, namespace, uid: claims['kubernetes.io'].serviceaccount.uid, creationTimestamp: timestamp(this.now()) },
      spec: { audiences: claims.aud, expirationSeconds: claims.exp - claims.iat, boundObjectRef: ref ?? null },
      status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
    };
  }

  /** TokenReview create: cluster-scoped, spec.token required, nothing stored. */
  public tokenReview(body: unknown): KubeObject {
    const b: any = isPlainObject(body) ? body : {};
    const spec: any = isPlainObject(b.spec) ? b.spec : {};
    if (typeof spec.token !== 'string' || spec.token.length === 0) throw badRequest('token is required for TokenReview in authentication');
    const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : undefined;
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: {},
      spec: { token: spec.token, ...(audiences ? { audiences } : {}) },
      status: this.review(spec.token, audiences),
    };
  }

  private verifySignature(token: string): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const expected = createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest();
    let given: Buffer;
    try {
      given = Buffer.from(parts[2], 'base64url');
    } catch {
      return undefined;
    }
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
  }
}
