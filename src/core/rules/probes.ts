/**
 * Probe rules (reference §6.4 U2–U4, SC1–SC2, §6.10).
 */
import { checkFields, getInt, getObj, isInt, isObj, isSet, Obj } from './util';
import { at, Sink } from './violation';

const MAX_INT32 = 2147483647;
export const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;
export const PROBE_KINDS = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_NUMBERS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];

const PROBE_FIELDS: readonly string[] = [...HANDLERS, ...PROBE_NUMBERS];
/**
 * startupProbe: Knative 1.17–1.22 do not validate it at all; 1.23 validates it with a mask that
 * keeps terminationGracePeriodSeconds (1.23 allows it on every probe; 1.17 rejects it on liveness
 * and readiness probes, so only startupProbe may carry it in every version).
 */
const STARTUP_PROBE_FIELDS: readonly string[] = [...PROBE_FIELDS, 'terminationGracePeriodSeconds'];
const ZERO_PERIOD_FIELDS = ['failureThreshold', 'timeoutSeconds'];

const HANDLER_FIELDS: Record<(typeof HANDLERS)[number], readonly string[]> = {
  httpGet: ['host', 'path', 'scheme', 'httpHeaders', 'port'],
  tcpSocket: ['host', 'port'],
  grpc: ['port', 'service'],
  exec: ['command'],
};

const HANDLER_TYPES: Record<(typeof HANDLERS)[number], string> = {
  httpGet: 'HTTPGetAction', tcpSocket: 'TCPSocketAction', grpc: 'GRPCAction', exec: 'ExecAction',
};

export interface ProbeOptions {
  /** Serving container: string ports must equal this port name (unnamed = "http"). */
  portName?: string;
  /** Sidecar (SC2): httpGet/tcpSocket port must be specified. */
  requirePort?: boolean;
  /** Apply the readiness numeric rules (U3). */
  numeric?: boolean;
  /** A startupProbe (its field mask keeps terminationGracePeriodSeconds). */
  startup?: boolean;
}

function checkPort(sink: Sink, handler: Obj, path: string, opts: ProbeOptions): void {
  const port = handler.port;
  const p = at(path, 'port');
  if (port !== undefined && port !== null && typeof port !== 'string' && !isInt(port)) {
    sink.error(p, `invalid value: ${JSON.stringify(port)}`, port, 'Use a port number or the container port name.');
    return;
  }
  if (opts.requirePort && !isSet(port)) {
    sink.error(p, 'Probe port must be specified', port, 'Set an explicit non-zero port (or port name) on sidecar probes.');
  } else if (opts.portName !== undefined && typeof port === 'string' && port !== '' && port !== opts.portName) {
    sink.error(p, 'Probe port must match container port', port,
      `Use the container port name "${opts.portName}" or a number.`);
  }
}

function checkHandler(sink: Sink, probe: Obj, path: string, opts: ProbeOptions): void {
  const present = HANDLERS.filter((h) => isSet(probe[h]));
  if (present.length === 0) {
    sink.error(path, 'expected exactly one, got neither', probe,
      'Give the probe exactly one handler: httpGet, tcpSocket, exec or grpc.');
    return;
  }
  if (present.length > 1) {
    sink.error(path, 'expected exactly one, got both', present, `Keep only one of ${present.join(', ')}.`);
  }
  for (const h of present) {
    const hp = at(path, h);
    const handler = getObj(sink, probe, h, path);
    if (!handler) continue;
    checkFields(sink, handler, hp, HANDLER_TYPES[h], HANDLER_FIELDS[h]);
    if (h === 'httpGet' || h === 'tcpSocket') checkPort(sink, handler, hp, opts);
    if (h === 'grpc') getInt(sink, handler, 'port', hp);
  }
}

/**
 * U3. Only numbers the probe sets are range-checked: an unset number is one Knative's defaulting
 * fills in with a valid value before validating (successThreshold 1; with periodSeconds > 0,
 * failureThreshold 3 and timeoutSeconds 1; the rest 0), so reporting it would show a value
 * (`got 0`) nobody wrote.
 */
function checkNumbers(sink: Sink, probe: Obj, path: string): void {
  const n: Record<string, number | undefined> = {};
  for (const k of PROBE_NUMBERS) n[k] = getInt(sink, probe, k, path);
  const atLeast = (k: string, lo: number) => {
    const v = n[k];
    if (v !== undefined && v < lo) sink.outOfBounds(at(path, k), v, lo, MAX_INT32);
  };
  atLeast('periodSeconds', 0);
  atLeast('initialDelaySeconds', 0);
  atLeast('successThreshold', 1);
  if (!n.periodSeconds) {
    for (const k of ZERO_PERIOD_FIELDS) {
      if (n[k] !== undefined && n[k] !== 0) {
        sink.error(at(path, k), `${k} is disallowed when periodSeconds is zero`, n[k],
          `Remove ${k}, or set periodSeconds > 0.`);
      }
    }
  } else {
    atLeast('timeoutSeconds', 1);
    atLeast('failureThreshold', 1);
  }
}

/** Validate one probe of a serving or (probing-enabled) sidecar container. */
export function validateProbe(sink: Sink, probe: unknown, path: string, opts: ProbeOptions): void {
  if (!isObj(probe)) {
    sink.error(path, `invalid value: ${JSON.stringify(probe)}`, probe, 'Make the probe an object.');
    return;
  }
  checkFields(sink, probe, path, 'Probe', opts.startup ? STARTUP_PROBE_FIELDS : PROBE_FIELDS);
  checkHandler(sink, probe, path, opts);
  if (opts.numeric) checkNumbers(sink, probe, path);
  else for (const k of PROBE_NUMBERS) getInt(sink, probe, k, path);
}
