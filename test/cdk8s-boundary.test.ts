import * as path from 'node:path';
import * as ts from 'typescript';
import { devCompilerOptions, findBoundaryViolations, formatBoundaryFinding, tsFilesUnder } from './support/cdk8s-boundary';

/**
 * Issue 11 acceptance: no access to underscore-prefixed or non-exported members of cdk8s,
 * constructs or cdk8s-plus-28 in src/ (see test/support/cdk8s-boundary.ts for what is flagged).
 */
const ROOT = path.resolve(__dirname, '..');

test('src/ uses cdk8s, constructs and cdk8s-plus-28 only through their public API', () => {
  const files = tsFilesUnder(path.join(ROOT, 'src'));
  expect(files.length).toBeGreaterThan(50);
  const program = ts.createProgram(files, devCompilerOptions());
  const findings = findBoundaryViolations(program, files).map(formatBoundaryFinding);
  expect(findings).toEqual([]);
});

/**
 * The check itself, on a file of known forbidden and allowed uses: every line marked FORBIDDEN
 * is reported, no other line is. (Compiled in memory as if it lived in src/.)
 */
const FIXTURE = `
import { ApiObject, ApiObjectMetadata, App, Chart, JsonPatch, Lazy, Testing } from 'cdk8s';
import { Container as PlusContainer, EnvFrom, Probe, Volume } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Names } from 'cdk8s/lib/names'; // FORBIDDEN
export { Yaml } from 'cdk8s/lib/yaml'; // FORBIDDEN
import { Action } from 'cdk8s-plus-28/lib/_action'; // FORBIDDEN

/** A structural type asking for cdk8s-plus's internal rendering method. */
type Renders = { readonly name: string; _toKube(): unknown };
interface Holder { readonly volume: Renders }
function renderIt(v: Renders): unknown {
  return v._toKube();
}
function asRenders(v: Volume): Renders {
  return v; // FORBIDDEN
}

export class Mine extends ApiObject {
  public mine = 1;
  public addJsonPatch(...ops: JsonPatch[]): void {
    super.addJsonPatch(...ops);
  }
  public peek(): unknown {
    return this['patches']; // FORBIDDEN
  }
  public keys(): string[] {
    return Object.keys(this); // FORBIDDEN
  }
}

class Ours {
  public _toKube(): unknown {
    return {};
  }
}

export function uses(chart: Chart, obj: ApiObject, c: Construct, probe: Probe, vol: Volume, from: EnvFrom): unknown[] {
  const out: unknown[] = [Action];
  out.push((obj as unknown as { patches: JsonPatch[] }).patches); // FORBIDDEN
  const meta = obj.metadata as unknown as { _additionalAttributes: object }; // FORBIDDEN
  out.push(meta._additionalAttributes);
  out.push(obj['patches']); // FORBIDDEN
  out.push((obj as any).patches); // FORBIDDEN
  out.push(App._synthChart(chart)); // FORBIDDEN
  out.push(Object.getOwnPropertyNames(ApiObject.prototype)); // FORBIDDEN
  Object.assign(obj.metadata, { addLabel: () => undefined }); // FORBIDDEN
  out.push(Object.keys(obj.metadata as object)); // FORBIDDEN
  for (const k in obj) out.push(k); // FORBIDDEN
  out.push({ ...obj.metadata }); // FORBIDDEN
  const key = 'patches';
  out.push((obj as unknown as Record<string, unknown>)[key]); // FORBIDDEN
  out.push(c.node['_children']); // FORBIDDEN
  out.push(require('constructs/lib/construct')); // FORBIDDEN
  const hidden: import('cdk8s/lib/resolve').IResolver[] = []; // FORBIDDEN
  out.push(hidden, Names);
  out.push(probe._toKube(new PlusContainer({ image: 'x' }))); // FORBIDDEN
  out.push(from._toKube()); // FORBIDDEN
  out.push((probe as unknown as { probeOptions: object }).probeOptions); // FORBIDDEN
  Object.defineProperty(probe, '_toKube', { value: () => ({}) }); // FORBIDDEN
  out.push(JSON.stringify(probe)); // FORBIDDEN
  out.push(renderIt(vol)); // FORBIDDEN
  const held: Holder = { volume: vol }; // FORBIDDEN
  const volume = vol;
  const held2: Holder = { volume }; // FORBIDDEN
  const list: Renders[] = [vol]; // FORBIDDEN
  let later: Renders | undefined;
  later = vol; // FORBIDDEN
  out.push(held, held2, list, later, asRenders, (v: Volume): Renders => v); // FORBIDDEN

  // Allowed: public API, our own members, subclasses of ours.
  out.push(App.of(obj).resolvers.length, ApiObject.of(c), obj.metadata.toJson(), chart.namespace);
  obj.addJsonPatch(JsonPatch.add('/spec/x', 1));
  obj.metadata.addLabel('a', 'b');
  c.node.addValidation({ validate: () => [] });
  out.push(new Ours()._toKube(), (obj as Mine).mine, (obj as Mine).addJsonPatch());
  out.push(Object.keys({} as ApiObjectMetadata), Lazy.any({ produce: () => 1 }), Testing.app().charts);
  out.push(new Mine(chart, 'm', { apiVersion: 'v1', kind: 'X' }).peek());
  const named: { readonly name: string } = vol;
  const either: Renders | Volume = vol;
  out.push(named, either, [vol, from, probe], Probe.fromTcpSocket(), new Map<string, Volume>([['v', vol]]), JSON.stringify({ a: 1 }));
  return out;
}
`;

test('the check reports exactly the forbidden uses of a fixture', () => {
  const file = path.join(ROOT, 'src', '__boundary_fixture__.ts');
  const options = devCompilerOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (path.resolve(name) === file
    ? ts.createSourceFile(name, FIXTURE, version)
    : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  // The fixture is valid TypeScript (so the check runs on what the compiler accepts).
  const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
  expect(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

  const findings = findBoundaryViolations(program, [file]);
  const lines = FIXTURE.split('\n');
  const forbidden = lines.flatMap((l, i) => (l.includes('// FORBIDDEN') ? [i + 1] : []));
  expect(forbidden.length).toBe(31);
  const missed = forbidden.filter((line) => !findings.some((f) => f.line === line)).map((line) => `${line}: ${lines[line - 1].trim()}`);
  const unexpected = findings.filter((f) => !forbidden.includes(f.line)).map(formatBoundaryFinding);
  expect(missed).toEqual([]);
  expect(unexpected).toEqual([]);
  // Each finding names what was reached.
  expect(findings.find((f) => f.text.includes("this['patches']"))?.reason).toMatch(/"patches" is not public API of cdk8s/);
  expect(findings.find((f) => f.text.includes('_synthChart'))?.reason).toMatch(/"_synthChart" is not public API of cdk8s/);
  expect(findings.find((f) => f.text.includes("node['_children']"))?.reason).toMatch(/"_children" is not public API of constructs/);
  expect(findings.find((f) => f.text.includes('probe._toKube('))?.reason).toMatch(/"_toKube" is not public API of cdk8s-plus-28/);
  expect(findings.find((f) => f.text.includes('renderIt(vol)'))?.reason)
    .toMatch(/a Volume \(cdk8s-plus-28\) used as a type that spells out "_toKube", not a public member/);
});
