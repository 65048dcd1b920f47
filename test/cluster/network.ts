/**
 * The cluster tier's network plan. Everything runs inside one private network namespace made by
 * `test/cluster/netns.sh` (`unshare --net`): its only interface is `lo`, and `10.0.0.0/8` is
 * routed as local there, so any address below is bindable and no packet can leave the namespace.
 *
 *   node (kube-apiserver advertise/bind address)  10.0.0.1
 *   Service ClusterIPs (--service-cluster-ip-range) 10.96.0.0/16
 *   pod IPs (one per pod, handed out by the played kubelet) 10.244.0.0/16
 *
 * Pod IPs cannot be loopback addresses (127.x): the real API server rejects them in EndpointSlices
 * ("may not be in the loopback range"), and the real EndpointSlice controller is part of the test.
 */
import * as net from 'node:net';

export const NODE_IP = '10.0.0.1';
export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
/** Env set by netns.sh inside the namespace it made. */
export const NETNS_ENV = 'KNATIVE_CLUSTER_NETNS';

/** Throws a clear error unless this process runs inside the namespace `netns.sh` made. */
export async function assertClusterNetwork(): Promise<void> {
  const fix = 'run the cluster tier through test/cluster/netns.sh (e.g. `npm run test:cluster`), which makes a private network namespace with 10.0.0.0/8 local';
  if (process.env[NETNS_ENV] !== '1') {
    throw new Error(`cluster harness: not inside the cluster network namespace (${NETNS_ENV} is not set). Fix: ${fix}`);
  }
  try {
    await freePort(NODE_IP);
  } catch (e) {
    throw new Error(`cluster harness: cannot bind the node address ${NODE_IP} (${(e as Error).message}). Fix: ${fix}`);
  }
}

/** A TCP port free on `host` right now (the namespace is private, so nobody else takes it). */
export function freePort(host = NODE_IP): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Allocates pod IPs from 10.244.0.0/16 (skipping .0 and .255 of each /24), reusing freed ones. */
export class PodIpAllocator {
  private next = 1;
  private readonly free: string[] = [];
  private readonly used = new Set<string>();

  public allocate(): string {
    const reused = this.free.shift();
    if (reused !== undefined) {
      this.used.add(reused);
      return reused;
    }
    for (;;) {
      const n = this.next++;
      if (n >= 256 * 256) throw new Error('pod IP range 10.244.0.0/16 exhausted');
      const hi = Math.floor(n / 256);
      const lo = n % 256;
      if (lo === 0 || lo === 255) continue;
      const ip = `10.244.${hi}.${lo}`;
      this.used.add(ip);
      return ip;
    }
  }

  public release(ip: string): void {
    if (this.used.delete(ip)) this.free.push(ip);
  }
}
