/**
 * A real gRPC service (@grpc/grpc-js) for the ingress's h2c tests and bench: a generic service
 * definition with JSON messages (no .proto), one method of each kind. Every answer names the
 * server's revision, so a test can count which revision served each call.
 */
import * as grpc from '@grpc/grpc-js';

export interface Msg { [k: string]: unknown }

const ser = (v: Msg): Buffer => Buffer.from(JSON.stringify(v));
const de = (b: Buffer): Msg => JSON.parse(b.toString()) as Msg;
const method = (name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Msg, Msg> => ({
  path: `/test.Rev/${name}`,
  requestStream,
  responseStream,
  requestSerialize: ser,
  requestDeserialize: de,
  responseSerialize: ser,
  responseDeserialize: de,
});

/** Unary `Who`, server streaming `List`, client streaming `Sum`, bidi `Echo`, unary `Fail` (an error with trailing metadata). */
export const REV_SERVICE = {
  who: method('Who', false, false),
  list: method('List', false, true),
  sum: method('Sum', true, false),
  echo: method('Echo', true, true),
  fail: method('Fail', false, false),
} as const;

export const RevClient = grpc.makeGenericClientConstructor(REV_SERVICE as unknown as grpc.ServiceDefinition, 'Rev');
export type RevClientT = InstanceType<typeof RevClient> & Record<string, any>;

export interface GrpcBackend {
  rev: string;
  port: number;
  /** Calls being served right now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

/**
 * A gRPC server on loopback for revision `rev`. `Who` answers `{rev, n}` (after `ms` if given)
 * with trailing metadata `x-rev`; `List` streams `count` messages; `Sum` adds the streamed `n`s;
 * `Echo` answers each message; `Fail` ends with NOT_FOUND, message `no <what>` and trailing
 * metadata `x-rev`.
 */
export async function startGrpcBackend(rev: string): Promise<GrpcBackend> {
  const state: GrpcBackend = { rev, port: 0, inFlight: 0, maxInFlight: 0, close: async () => undefined };
  const enter = (): (() => void) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let left = false;
    return () => {
      if (!left) state.inFlight--;
      left = true;
    };
  };
  const trailer = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('x-rev', rev);
    return md;
  };
  const server = new grpc.Server();
  server.addService(REV_SERVICE as unknown as grpc.ServiceDefinition, {
    who: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      const leave = enter();
      const ms = Number(call.request.ms ?? 0);
      const answer = (): void => {
        leave();
        cb(null, { rev, n: call.request.n }, trailer());
      };
      if (ms > 0) setTimeout(answer, ms);
      else answer();
    },
    list: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const leave = enter();
      const count = Number(call.request.count ?? 3);
      for (let i = 0; i < count; i++) call.write({ rev, i });
      leave();
      call.end(trailer());
    },
    sum: (call: grpc.ServerReadableStream<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      const leave = enter();
      let sum = 0;
      call.on('data', (m: Msg) => { sum += Number(m.n); });
      call.on('end', () => {
        leave();
        cb(null, { rev, sum }, trailer());
      });
    },
    echo: (call: grpc.ServerDuplexStream<Msg, Msg>) => {
      const leave = enter();
      call.on('data', (m: Msg) => call.write({ rev, echo: m }));
      call.on('end', () => {
        leave();
        call.end(trailer());
      });
    },
    fail: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      cb({ code: grpc.status.NOT_FOUND, details: `no ${String(call.request.what)}`, metadata: trailer() });
    },
  });
  state.port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
  state.close = () => new Promise<void>((r) => {
    server.tryShutdown(() => r());
    setTimeout(() => {
      server.forceShutdown();
      r();
    }, 500).unref();
  });
  return state;
}

/** A client for `host` (sent as :authority) through `127.0.0.1:port`. */
export function revClient(port: number, host: string): RevClientT {
  return new RevClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': host }) as RevClientT;
}

export function unary(c: RevClientT, name: 'who' | 'fail', req: Msg): Promise<{ res: Msg; trailers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    // The callback runs before the 'status' event (which carries the trailing metadata).
    let res: Msg | undefined;
    const call = c[name](req, (err: grpc.ServiceError | null, r: Msg) => {
      if (err) reject(err);
      else res = r;
    });
    call.on('status', (s: grpc.StatusObject) => {
      if (res !== undefined) resolve({ res, trailers: s.metadata });
    });
  });
}

/** Server streaming: every message, then the status. */
export function serverStream(c: RevClientT, req: Msg): Promise<Msg[]> {
  return new Promise((resolve, reject) => {
    const out: Msg[] = [];
    const call = c.list(req);
    call.on('data', (m: Msg) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

/** Client streaming: send every message, then read the one answer. */
export function clientStream(c: RevClientT, msgs: Msg[]): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const call = c.sum((err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res)));
    for (const m of msgs) call.write(m);
    call.end();
  });
}

/** Bidi: send one message per answer received (ping-pong), so both directions stream at once. */
export function bidi(c: RevClientT, msgs: Msg[]): Promise<Msg[]> {
  return new Promise((resolve, reject) => {
    const out: Msg[] = [];
    const call = c.echo();
    let i = 0;
    call.on('data', (m: Msg) => {
      out.push(m);
      if (++i < msgs.length) call.write(msgs[i]);
      else call.end();
    });
    call.on('error', reject);
    call.on('end', () => resolve(out));
    call.write(msgs[0]);
  });
}
