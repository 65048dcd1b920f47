/**
 * What the played kubelet can "pull": each image the examples and seeds use, as a real HTTP
 * server (in-process, bound to the pod's IP and container port, with the container's env) or as
 * a real process (the bundled controller, ingress and webhook), or a real binary built from an
 * upstream test image (`testImages`: `<repository>/<name>[:tag]` → `<dir>/<name>`, e.g. Knative's
 * Go test images for its conformance suite, run in a PodSandbox). An image not listed here fails
 * like an unreachable registry: the container waits in ErrImagePull.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

export type ImageKind =
  | { kind: 'app'; handler: (env: Record<string, string>) => http.RequestListener }
  | { kind: 'process'; /** Maps the image's paths (e.g. `/app/controller.js`) to local files. */ resolveArg: (arg: string) => string }
  | { kind: 'binary'; /** The image's entrypoint, a static binary (run at /ko-app/<basename>). */ path: string };

/** Images built as binaries: `<repository>/<name>` runs `<dir>/<name>` (the tag or digest is ignored). */
export interface TestImages {
  repository: string;
  dir: string;
  /**
   * What the images' config would say (ko's default base image: user 65532, /home/nonroot), and
   * the helper that applies it (test/knative-conformance/sandbox-exec). Without `exec`, processes
   * run as root in `/` unless the pod says otherwise.
   */
  exec?: string;
  user?: { uid: number; gid: number };
  workingDir?: string;
}

/**
 * The seeds' stock service (knative-sample/rest-api-go): answers from RESOURCE, as the Go source
 * in the seed does (`/` → welcome, `/<resource>` → ticker help, `/<resource>/<id>` → the answer it
 * gives when the stock API cannot be reached, which is always the case here).
 */
function stockService(env: Record<string, string>): http.RequestListener {
  const resource = env.RESOURCE || 'NOT SPECIFIED';
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    if (url.pathname === `/${resource}`) {
      res.end(`${resource} ticker not found!, require /${resource}/{ticker}\n`);
    } else if (url.pathname.startsWith(`/${resource}/`)) {
      res.end(`${resource} not found for ticker : ${url.searchParams.get('stockId') ?? ''} \n`);
    } else {
      res.end(`Welcome to the ${resource} app! \n`);
    }
  };
}

/** gcr.io/knative-samples/helloworld-go: `Hello <TARGET>!` (TARGET defaults to World). */
function helloWorld(env: Record<string, string>): http.RequestListener {
  return (req, res) => {
    req.resume();
    res.end(`Hello ${env.TARGET || 'World'}!\n`);
  };
}

/**
 * The seed's function (seed 001 §5: gcr.io/knative-samples/my-function, built from its `index`
 * entry point; the seed shows no code): a stand-in that answers every request with the revision
 * it runs as and the env the seed gives it (FOO, HELLO).
 */
function myFunction(env: Record<string, string>): http.RequestListener {
  return (req, res) => {
    req.resume();
    res.end(`${env.K_REVISION ?? 'my-function'}: FOO=${env.FOO ?? ''} HELLO=${env.HELLO ?? ''}\n`);
  };
}

/**
 * Knative's autoscaling sample (gcr.io/knative-samples/autoscale-go, docs "Autoscale - Go"): a
 * request `?sleep=<ms>` is answered after that many milliseconds ("Slept for <ms> milliseconds."),
 * so a client's request holds one unit of concurrency that long. Its other parameters (prime,
 * bloat: CPU and memory load) are not played and are ignored.
 */
function autoscaleGo(): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    const ms = Math.max(0, Math.min(Number(url.searchParams.get('sleep') ?? 0) || 0, 60_000));
    setTimeout(() => res.end(`Slept for ${ms.toFixed(2)} milliseconds.\n`), ms);
  };
}

/**
 * A test image of this project (`example.com/cluster-test/overlap`): `/?ms=<n>` is answered after n
 * ms (at most 10 s) with `overlap=<0|1> max=<m>`: overlap 1 when another request was in flight in
 * this container at any time during this one; max is the most requests this container has had in
 * flight at once. For containerConcurrency checks: a CC=1 pod must never report overlap.
 */
function overlapProbe(): http.RequestListener {
  let inFlight = 0;
  let max = 0;
  /** Requests in flight now, each with its overlap flag. */
  const open = new Set<{ overlap: boolean }>();
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    const me = { overlap: open.size > 0 };
    for (const o of open) o.overlap = true;
    open.add(me);
    inFlight++;
    max = Math.max(max, inFlight);
    const ms = Math.max(0, Math.min(Number(url.searchParams.get('ms') ?? 0) || 0, 10_000));
    setTimeout(() => {
      open.delete(me);
      inFlight--;
      res.end(`overlap=${me.overlap ? 1 : 0} max=${max}\n`);
    }, ms);
  };
}

/** Image reference without registry tag/digest details that do not matter here. */
function repository(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/** Resolve an image; `bundleDir` holds the esbuild bundles (dist/runtime). */
export function resolveImage(image: string, bundleDir: string, testImages?: TestImages): ImageKind | undefined {
  const repo = repository(image);
  if (testImages && repo.startsWith(`${testImages.repository}/`)) {
    const name = repo.slice(testImages.repository.length + 1);
    const file = path.join(testImages.dir, name);
    if (/^[a-z0-9][a-z0-9._-]*$/.test(name) && fs.existsSync(file)) return { kind: 'binary', path: file };
    return undefined;
  }
  if (repo.endsWith('/knative-sample/rest-api-go')) return { kind: 'app', handler: stockService };
  if (repo.endsWith('/helloworld-go')) return { kind: 'app', handler: helloWorld };
  if (repo.endsWith('/knative-samples/my-function')) return { kind: 'app', handler: myFunction };
  if (repo.endsWith('/knative-samples/autoscale-go')) return { kind: 'app', handler: autoscaleGo };
  if (repo === 'example.com/cluster-test/overlap') return { kind: 'app', handler: overlapProbe };
  // The runtime images hold node and one bundle at /app/<component>.js (see Dockerfile).
  if (/\/serving-(controller|ingress|webhook)$/.test(repo)) {
    return { kind: 'process', resolveArg: (arg) => (arg.startsWith('/app/') ? path.join(bundleDir, arg.slice('/app/'.length)) : arg) };
  }
  return undefined;
}
