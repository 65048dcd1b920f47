/**
 * What the cluster tier's tests report to `npm run e2e` (test/cluster/e2e.ts): one JSON line per
 * record, appended to the file named by KNATIVE_E2E_RECORD (nothing is written when it is unset,
 * e.g. under `npm run test:cluster`). The RESULT line is computed from these records and from
 * jest's own pass/fail results, never from fixed numbers.
 */
import * as fs from 'node:fs';

export const RECORD_ENV = 'KNATIVE_E2E_RECORD';

/** `scenario` requests are the ones the scenario tests assert; `fault` requests are sent during a fault case. */
export type Scope = 'scenario' | 'fault';

export type E2eRecord =
  | { type: 'cluster'; version: string }
  /** HTTP requests through the ingress whose answer a test asserts (failed: not the expected status). */
  | { type: 'requests'; scope: Scope; name: string; sent: number; failed: number; failures: Record<string, number> }
  /** 403s answered to the runtime's ServiceAccounts by one cluster (and those while a restarted API server was not ready). */
  | { type: 'forbidden'; forbidden: string[]; duringRestarts: string[] }
  | { type: 'emulator'; scenario: string; objects: number; differences: string[]; knownLimitations: string[] }
  /** autoscale.test.ts: one 0 → N → 0 run (times in seconds, requests of its step load). */
  | { type: 'autoscale'; [key: string]: unknown }
  /** revision-failures.test.ts: seconds from a pod's ImagePullBackOff to its Revision's ResourcesAvailable=False. */
  | { type: 'revision-failures'; pod_failure_detect_s: number }
  /** revision-failures.test.ts: a Revision's Deployment and status carry the digest the registry returned. */
  | { type: 'digest'; digest_pinned: boolean };

export function record(entry: E2eRecord): void {
  const file = process.env[RECORD_ENV];
  if (file) fs.appendFileSync(file, JSON.stringify(entry) + '\n');
}

/** Requests tallied per scope and name, written as records by `flush()`. */
export class RequestTally {
  private readonly byName = new Map<string, { scope: Scope; name: string; sent: number; failed: number; failures: Record<string, number> }>();

  /** Count one request; it failed when its status is not `expected` (status 0: no HTTP answer). */
  public add(scope: Scope, name: string, status: number, expected: number, detail = ''): void {
    const k = `${scope}\0${name}`;
    let t = this.byName.get(k);
    if (!t) this.byName.set(k, (t = { scope, name, sent: 0, failed: 0, failures: {} }));
    t.sent++;
    if (status !== expected) {
      t.failed++;
      const why = `${status || 'no answer'}${detail ? `: ${detail}` : ''} (expected ${expected})`;
      t.failures[why] = (t.failures[why] ?? 0) + 1;
    }
  }

  public flush(): void {
    for (const t of this.byName.values()) record({ type: 'requests', ...t });
    this.byName.clear();
  }
}
