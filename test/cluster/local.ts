/**
 * Local mode on a real Kubernetes API server, for a person: start the cluster tier's control plane
 * (etcd, kube-apiserver, kube-controller-manager, the played node) with the bundled controller and
 * ingress installed, apply an example's steps one after another with `kubectl apply
 * --server-side`, print the Knative objects as they converge, then keep running until Ctrl-C.
 *
 *   npm run local:real -- <example> [--exit]
 *   (= bash test/cluster/netns.sh npx ts-node --transpile-only --project tsconfig.dev.json test/cluster/local.ts <example>)
 *
 * Everything lives in a private network namespace; the script prints the kubeconfig and the
 * `nsenter` command that runs kubectl (or curl) inside it from another terminal.
 */
import * as path from 'node:path';
import { Stack, synthesize, SYSTEM_NAMESPACE } from './stack';

async function converge(stack: Stack, timeoutMs: number): Promise<boolean> {
  try {
    await stack.until('every Knative Service Ready at its generation', async () => {
      const list = await stack.getJson(['ksvc', '-A']);
      return list.items.every((s: any) => {
        const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        return ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation;
      });
    }, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const example = args.find((a) => !a.startsWith('--'));
  if (!example) {
    console.error('usage: local.ts <example> [--exit]   (examples: directories under examples/)');
    process.exit(2);
  }
  const stack = await Stack.start();
  console.log(`Kubernetes ${stack.cluster.version} (etcd + kube-apiserver + kube-controller-manager, played node) and the bundled runtime ready in ${stack.startMs} ms`);
  let ok = true;
  try {
    const steps = synthesize(example, path.join(stack.work, example));
    for (const step of steps) {
      console.log(`\n== ${step.name}`);
      const files = step.files;
      let r = await stack.cluster.kubectl(['apply', '--server-side', '--field-manager=local', ...files.flatMap((f) => ['-f', f])]);
      if (r.code !== 0 && /no matches for kind/.test(r.stderr)) {
        await stack.cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
        r = await stack.cluster.kubectl(['apply', '--server-side', '--field-manager=local', ...files.flatMap((f) => ['-f', f])]);
      }
      console.log(r.stdout.trimEnd().replace(/^/gm, '  '));
      if (r.code !== 0) {
        ok = false;
        console.log(`  kubectl apply failed: ${r.stderr.trim()}`);
        continue;
      }
      if (!(await converge(stack, 60_000))) {
        ok = false;
        console.log('  (still converging after 60 s)');
      }
      const table = await stack.cluster.kubectl(['get', 'ksvc,route,revision', '-A']);
      console.log(table.stdout.trimEnd().replace(/^/gm, '  '));
    }
    const ingress = await stack.ingressAddress();
    console.log(`\nkubeconfig: ${stack.cluster.kubeconfigPath}`);
    console.log(`ingress:    http://${ingress.host}:${ingress.port} (Service ${SYSTEM_NAMESPACE}/serving-ingress; send the route's host as Host header)`);
    // netns.sh's `unshare` (a child of the wrapper) sits in the namespace; our own pid is the PID namespace's.
    const target = `$(pgrep -P ${process.env.KNATIVE_CLUSTER_WRAPPER_PID ?? '<pid of netns.sh>'} unshare)`;
    console.log('from another terminal (the cluster lives in a private network namespace):');
    console.log(`  nsenter --target ${target} --net ${path.join(stack.cluster.binDir, 'kubectl')} --kubeconfig ${stack.cluster.kubeconfigPath} get ksvc -A`);
    console.log(`  nsenter --target ${target} --net curl -H 'Host: <route host>' http://${ingress.host}:${ingress.port}/`);
    if (!args.includes('--exit')) {
      console.log('\nrunning; Ctrl-C stops everything and removes the temp dir');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
  } finally {
    await stack.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
