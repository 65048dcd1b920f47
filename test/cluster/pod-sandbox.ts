/**
 * A pod sandbox for containers that run a real binary (images.ts `binary` images, e.g. Knative's
 * Go test images): what a container runtime gives a pod, made with the kernel's namespaces. The
 * tier runs as root inside the network + PID namespace of netns.sh, so all of this is allowed:
 *
 * - network: the pod gets its own network namespace (`ip netns add kp-<uid>`) with `lo` and an
 *   `eth0` holding the pod IP (/32), the other end of a veth pair (`kh<uid>`) in the tier's
 *   namespace. The tier routes `10.0.0.0/8` as local (netns.sh); a `<podIP>/32 dev kh<uid> src
 *   10.0.0.1` route in the `local` table (longest prefix wins there) sends the pod IP into the
 *   veth instead, and the pod's default route is `dev eth0`, answered by the tier side (its
 *   addresses are local; proxy ARP for the other pods' IPs; forwarding on). So a binary that
 *   listens on `:8080` (all addresses) is reached at <podIP>:8080 by the ingress, kube-proxy and
 *   probes, and reaches the node (10.0.0.1), ClusterIPs and other pods. Containers of one pod
 *   share it (localhost between them works, as in a pod).
 * - resources: each container gets its own cgroups (v1 memory and cpu, below the kubelet's own),
 *   set from its resources as the kubelet sets them (memory.limit_in_bytes, cpu.shares,
 *   cpu.cfs_quota_us/period), so a memory limit is enforced by the kernel's OOM killer; the
 *   container sees just its cgroups, read-only, at /sys/fs/cgroup/{memory,cpu}.
 * - filesystem: each container starts in its own mount + UTS namespace (`unshare --mount --uts`,
 *   hostname = pod name) on a fresh tmpfs root holding only: /proc and /sys (recursive binds of
 *   the tier's), a /dev as a container runtime makes it (tmpfs with null, zero, full, random,
 *   urandom and tty bound from the node, its own devpts instance, ptmx, shm, fd and the std*
 *   links; no console), /tmp (1777), /etc/hosts, /etc/hostname, /etc/resolv.conf, the binary at
 *   /ko-app/<name> (where ko puts it), and the container's volume mounts (bind mounts of the
 *   files the kubelet materialized in the pod's directory, read-only where the volume kind or
 *   the mount says so), then the helper sandbox-exec (chroot, chdir to workingDir, setgid/setuid
 *   to the container's user, exec) starts the binary; without the helper, `unshare --root
 *   --wd` starts it as root. Nothing is written outside the pod's directory. There is no cluster
 *   DNS server (resolv.conf names none that answers).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE_IP } from './network';

export interface SandboxMount {
  /** File or directory in the pod's directory. */
  hostPath: string;
  /** Absolute path inside the container. */
  mountPath: string;
  readOnly: boolean;
}

export interface SandboxContainer {
  name: string;
  /** The image's binary, bound at /ko-app/<basename>. */
  binary: string;
  /** Program (a path inside the container, e.g. /ko-app/<name>) and its arguments. */
  argv: string[];
  env: Record<string, string>;
  workingDir: string;
  mounts: SandboxMount[];
  /** Log file for stdout and stderr. */
  log: string;
  /** The user to run as, with the helper that sets it (sandbox-exec); without, root. */
  user?: { uid: number; gid: number; exec: string };
  /** cgroup v1 settings from the container's resources (see PodSandbox.cgroups). */
  resources?: { memoryLimitBytes?: number; cpuShares: number; cpuQuotaUs: number; cpuPeriodUs: number };
}

/** The kubelet process's own cgroup (v1) for a controller, e.g. /sys/fs/cgroup/memory/<its path>. */
function ownCgroup(controller: string): string | undefined {
  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  const dir = `/sys/fs/cgroup/${controller}`;
  if (!line || !fs.existsSync(path.join(dir, 'cgroup.procs'))) return undefined;
  return path.join(dir, line.split(':').slice(2).join(':'));
}

const SETUP = `set -eu
root="$1"; wd="$2"; host="$3"; mounts="$4"; etc="$5"; shift 5
hostname "$host"
mount -t tmpfs -o mode=0755 pod-root "$root"
for d in proc sys; do mkdir "$root/$d"; mount --rbind "/$d" "$root/$d"; done
if [ -n "\${SANDBOX_CGROUPS:-}" ]; then
  # join the container's cgroups, and show only them at /sys/fs/cgroup/<controller>, read-only
  mount -t tmpfs -o mode=0755 cgroup "$root/sys/fs/cgroup"
  for cg in $SANDBOX_CGROUPS; do
    ctl="\${cg%%=*}"; dir="\${cg#*=}"
    echo $$ > "$dir/cgroup.procs"
    mkdir "$root/sys/fs/cgroup/$ctl"
    mount --bind "$dir" "$root/sys/fs/cgroup/$ctl"
    mount -o remount,bind,ro "$root/sys/fs/cgroup/$ctl"
  done
  mount -o remount,ro "$root/sys/fs/cgroup"
  unset SANDBOX_CGROUPS
fi
mkdir "$root/dev"
mount -t tmpfs -o mode=0755,nosuid pod-dev "$root/dev"
for n in null zero full random urandom tty; do : > "$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"; done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir -m 1777 "$root/tmp"
mkdir "$root/etc"
cp "$etc"/* "$root/etc/"
tab="$(printf '\\t')"
while IFS="$tab" read -r src dst ro; do
  if [ -d "$src" ]; then mkdir -p "$root$dst"; else mkdir -p "$(dirname "$root$dst")"; [ -e "$root$dst" ] || : > "$root$dst"; fi
  mount --bind "$src" "$root$dst"
  if [ "$ro" = 1 ]; then mount -o remount,bind,ro "$root$dst"; fi
done < "$mounts"
mkdir -p "$root$wd"
if [ -n "\${SANDBOX_EXEC:-}" ]; then
  helper="$SANDBOX_EXEC"; uid="$SANDBOX_UID"; gid="$SANDBOX_GID"
  unset SANDBOX_EXEC SANDBOX_UID SANDBOX_GID
  exec "$helper" "$root" "$wd" "$uid" "$gid" "$@"
fi
exec unshare --root="$root" --wd="$wd" -- "$@"
`;

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`pod sandbox: \`${cmd} ${args.join(' ')}\` failed: ${(e as any).stderr?.toString().trim() || (e as Error).message}`);
  }
}

export class PodSandbox {
  /** Make the pod's network namespace with `ip` as its address. */
  public static create(uid: string, ip: string, dir: string, hostname: string, namespace: string, clusterDomain: string): PodSandbox {
    const id = uid.replace(/-/g, '').slice(0, 12);
    const sb = new PodSandbox(`kp-${id}`, `kh${id}`, ip, dir, hostname);
    try {
      run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      run('ip', ['netns', 'add', sb.netns]);
      run('ip', ['link', 'add', sb.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', sb.netns]);
      run('ip', ['-n', sb.netns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', sb.netns, 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
      run('ip', ['-n', sb.netns, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', sb.netns, 'route', 'add', 'default', 'dev', 'eth0']);
      run('ip', ['link', 'set', sb.hostVeth, 'up']);
      run('sysctl', ['-qw', `net.ipv4.conf.${sb.hostVeth}.proxy_arp=1`]);
      run('ip', ['route', 'add', `${ip}/32`, 'dev', sb.hostVeth, 'src', NODE_IP, 'table', 'local']);
    } catch (e) {
      sb.destroy();
      throw e;
    }
    const etc = path.join(dir, 'etc');
    fs.mkdirSync(etc, { recursive: true });
    fs.writeFileSync(path.join(etc, 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${hostname}\n`);
    fs.writeFileSync(path.join(etc, 'hostname'), `${hostname}\n`);
    fs.writeFileSync(path.join(etc, 'resolv.conf'), `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\nnameserver 10.96.0.10\noptions ndots:5\n`);
    fs.writeFileSync(path.join(dir, 'sandbox-setup.sh'), SETUP);
    return sb;
  }

  private destroyed = false;

  private readonly cgroupDirs = new Set<string>();

  private constructor(
    public readonly netns: string,
    private readonly hostVeth: string,
    public readonly ip: string,
    private readonly dir: string,
    private readonly hostname: string,
  ) {}

  /** Start a container's binary in the sandbox (stdin /dev/null, stdout+stderr to its log). */
  public spawn(c: SandboxContainer): ChildProcess {
    const cdir = path.join(this.dir, 'containers', c.name);
    const root = path.join(cdir, 'root');
    fs.mkdirSync(root, { recursive: true });
    const mountsFile = path.join(cdir, 'mounts.tsv');
    const mounts: SandboxMount[] = [{ hostPath: c.binary, mountPath: `/ko-app/${path.basename(c.binary)}`, readOnly: true }, ...c.mounts];
    for (const m of mounts) {
      if (/[\t\n]/.test(m.hostPath + m.mountPath)) throw new Error(`pod sandbox: mount path ${JSON.stringify(m.mountPath)} holds a tab or newline`);
    }
    fs.writeFileSync(mountsFile, mounts.map((m) => `${m.hostPath}\t${m.mountPath}\t${m.readOnly ? 1 : 0}\n`).join(''));
    const cgroups = c.resources ? this.cgroups(c.name, c.resources) : [];
    const log = fs.openSync(c.log, 'a');
    try {
      return spawn('nsenter', [
        `--net=/run/netns/${this.netns}`, '--', 'unshare', '--mount', '--uts', '--propagation', 'private', '--',
        'sh', path.join(this.dir, 'sandbox-setup.sh'), root, c.workingDir || '/', this.hostname, mountsFile, path.join(this.dir, 'etc'),
        ...c.argv,
      ], {
        env: {
          ...c.env,
          ...(c.user ? { SANDBOX_EXEC: c.user.exec, SANDBOX_UID: String(c.user.uid), SANDBOX_GID: String(c.user.gid) } : {}),
          ...(cgroups.length ? { SANDBOX_CGROUPS: cgroups.join(' ') } : {}),
        },
        stdio: ['ignore', log, log],
        cwd: '/',
      });
    } finally {
      fs.closeSync(log);
    }
  }

  /**
   * Resolves when the container's process exec'd its program (its /proc/<pid>/cmdline starts
   * with `argv0`), or exited, or after 30 s.
   */
  public async started(child: ChildProcess, argv0: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
      try {
        if (fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')[0] === argv0) return;
      } catch {
        return; // gone
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Run a command in a running container (`kubectl exec`, with the container's env: its network, mount and UTS namespaces,
   * root and working directory); resolves to its exit code (-1 when it did not finish in time).
   */
  public exec(pid: number, argv: string[], env: Record<string, string>, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn('nsenter', ['-t', String(pid), '-n', '-m', '-u', '-r', '-w', '--', ...argv], { stdio: 'ignore', env });
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', () => resolve(-1));
      child.once('exit', (code) => {
        clearTimeout(t);
        resolve(code ?? -1);
      });
    });
  }

  /**
   * The container's cgroups (v1, memory and cpu), made below the kubelet's own cgroup of each
   * controller (so whatever limits the machine puts on the tier still apply) and set as the
   * kubelet sets them from resources: memory.limit_in_bytes = limits.memory; cpu.shares =
   * requests.cpu × 1024 (at least 2); cpu.cfs_quota_us = limits.cpu × period (-1 without a limit).
   * Returns `controller=dir` pairs for the setup script, which moves the process into them.
   */
  private cgroups(container: string, r: NonNullable<SandboxContainer['resources']>): string[] {
    const out: string[] = [];
    const id = `${this.netns}-${container}`;
    const mem = ownCgroup('memory');
    if (mem) {
      const dir = path.join(mem, id);
      fs.mkdirSync(dir, { recursive: true });
      this.cgroupDirs.add(dir);
      if (r.memoryLimitBytes !== undefined) fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(r.memoryLimitBytes));
      out.push(`memory=${dir}`);
    }
    const cpu = ownCgroup('cpu');
    if (cpu) {
      const dir = path.join(cpu, id);
      fs.mkdirSync(dir, { recursive: true });
      this.cgroupDirs.add(dir);
      fs.writeFileSync(path.join(dir, 'cpu.shares'), String(r.cpuShares));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(r.cpuPeriodUs));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(r.cpuQuotaUs));
      out.push(`cpu=${dir}`);
    }
    return out;
  }

  /** Remove the network namespace (its veth pair and route go with it) and the containers' cgroups (empty by now). */
  public destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const dir of this.cgroupDirs) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // a process still in it (it is being killed): left to the machine
      }
    }
    try {
      execFileSync('ip', ['netns', 'del', this.netns], { stdio: 'ignore' });
    } catch {
      // never made
    }
    try {
      execFileSync('ip', ['link', 'del', this.hostVeth], { stdio: 'ignore' });
    } catch {
      // gone with the namespace
    }
  }
}
