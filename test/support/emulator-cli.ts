/**
 * Run the Kubernetes API emulator as a process (for "local mode" and manual poking):
 *
 *   npx ts-node --project tsconfig.dev.json test/support/emulator-cli.ts --port 8001 \
 *     [--host 127.0.0.1] [--simulate-workloads] [--kubeconfig /tmp/emulator.kubeconfig] \
 *     [--seed manifests.yaml ...] [--no-admission] [--require-namespaces] [--log]
 *
 * Prints the URL on the first line of stdout (`http://127.0.0.1:<port>`), then
 * `KUBECONFIG=<path>` when --kubeconfig was given. Stops cleanly on SIGINT/SIGTERM.
 * `startFromArgs(argv)` does the same in-process and returns the running emulator.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { EmulatorOptions, KubeApiEmulator } from './emulator';
import type { KubeObject } from '../../src/core/types';

export interface CliOptions {
  emulator: EmulatorOptions;
  kubeconfig?: string;
  seed: string[];
}

export function parseArgs(argv: string[]): CliOptions {
  const emulator: EmulatorOptions = {};
  const seed: string[] = [];
  let kubeconfig: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': case '-p': emulator.port = Number(value()); break;
      case '--host': emulator.host = value(); break;
      case '--simulate-workloads': emulator.simulateWorkloads = { delayMs: 200, readyDelayMs: 500 }; break;
      case '--no-admission': emulator.admission = false; break;
      case '--require-namespaces': emulator.requireNamespaces = true; break;
      case '--system-namespace': emulator.systemNamespace = value(); break;
      case '--kubeconfig': kubeconfig = value(); break;
      case '--seed': seed.push(value()); break;
      case '--log': emulator.log = (line) => process.stderr.write(line + '\n'); break;
      case '--help': case '-h':
        throw new Error('usage: emulator-cli [--port N] [--host H] [--simulate-workloads] [--kubeconfig FILE] [--seed FILE]... [--no-admission] [--require-namespaces] [--log]');
      default:
        throw new Error(`unknown argument: ${a}`);
    }
  }
  if (emulator.port !== undefined && (!Number.isInteger(emulator.port) || emulator.port < 0 || emulator.port > 65535)) {
    throw new Error(`invalid --port: ${emulator.port}`);
  }
  return { emulator, kubeconfig, seed };
}

/** Parse YAML/JSON manifests (multi-document; `kind: List` is expanded). */
export function loadManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJSON();
    if (!v) continue;
    if (v.kind === 'List' || (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items))) out.push(...v.items);
    else out.push(v);
  }
  return out;
}

export async function startFromArgs(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<KubeApiEmulator> {
  const opts = parseArgs(argv);
  const api = await KubeApiEmulator.start(opts.emulator);
  for (const file of opts.seed) api.seed(...loadManifests(readFileSync(file, 'utf8')));
  out(api.url);
  if (opts.kubeconfig) {
    writeFileSync(opts.kubeconfig, api.kubeConfigYaml());
    out(`KUBECONFIG=${opts.kubeconfig}`);
  }
  return api;
}

if (require.main === module) {
  startFromArgs(process.argv.slice(2)).then((api) => {
    const stop = () => {
      void api.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }, (err: Error) => {
    process.stderr.write(`emulator-cli: ${err.message}\n`);
    process.exit(2);
  });
}
