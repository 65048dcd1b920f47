/**
 * `npm run bindings`: the Python, Java and Go bindings built for real, installed and run.
 *
 * 1. jsii-pacmak builds this library's Python wheel, Java jar (Maven) and Go module into
 *    build/bindings/{python,java,go}/ (`npx projen build` only generates their code, into dist/).
 * 2. Each language installs that package plus cdk8s 2.70.0, cdk8s-plus-28 2.5.6 and constructs
 *    10.3.0 (the npm devDependencies' versions) and runs its ports of three examples
 *    (examples/bindings/<language>/: first-service, managed-release and stock-service-gray-release,
 *    every step) and one bad input:
 *    - Python: a venv (build/bindings/venv) with the wheel and the others from PyPI;
 *    - Java: `mvn compile` of examples/bindings/java (Maven Central, plus build/bindings/java for
 *      this library and for cdk8s-plus-28, which Maven Central as reachable here does not serve:
 *      jsii-pacmak builds it from the pinned npm package, as its publisher does);
 *    - Go: examples/bindings/go's go.mod `replace`s this library, cdk8s, cdk8s-plus-28 and
 *      constructs with modules jsii-pacmak generates from the pinned npm packages (the Go module
 *      proxy reachable here serves none of them at these versions); jsii-runtime-go comes from
 *      the proxy.
 * 3. Every step's YAML must be byte-identical to what the TypeScript example writes, and the bad
 *    input must fail with the construct path, the bad value and the fix.
 * 4. The README's first example, in each language (its snippets), must write the README's YAML.
 *
 * A language whose toolchain (python3 with venv, java + mvn, go) is missing is skipped with a
 * message saying so (and fails the run when CI is set). Ends with `RESULT {"python":…,"java":…,"go":…,"examples":3,"bad_input_ok":N}`;
 * exits non-zero when any language differs or fails.
 *
 *   npx ts-node --transpile-only --project tsconfig.dev.json scripts/bindings.ts [python|java|go …]
 *
 * Caches: pip's, ~/.m2/repository (MAVEN_REPO overrides), Go's module cache.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Chart } from 'cdk8s';
import { loadExamples } from './synth-examples';
import { Example } from '../examples/example';
import { KnService, RevisionName, TrafficSplit } from '../src';

const root = join(__dirname, '..');
const out = join(root, 'build', 'bindings');
const logs = join(out, 'logs');
const portsDir = join(root, 'examples', 'bindings');
const mavenRepo = process.env.MAVEN_REPO ?? join(homedir(), '.m2', 'repository');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The examples every language ports, by directory name, with each port's file/class/package name. */
const EXAMPLES: Array<{ name: string; python: string; java: string; go: string }> = [
  { name: 'first-service', python: 'first_service.py', java: 'FirstService', go: 'firstservice' },
  { name: 'managed-release', python: 'managed_release.py', java: 'ManagedRelease', go: 'managedrelease' },
  { name: 'stock-service-gray-release', python: 'stock_service_gray_release.py', java: 'StockServiceGrayRelease', go: 'stockservicegrayrelease' },
];

/** Pinned like the npm devDependencies (package.json); Python's jsii runtime like jsii-pacmak's. */
const PINS = {
  jsiiRuntime: JSON.parse(readFileSync(join(root, 'node_modules', 'jsii-pacmak', 'package.json'), 'utf8')).version as string,
  cdk8s: pkg.devDependencies.cdk8s as string,
  cdk8sPlus: pkg.devDependencies['cdk8s-plus-28'] as string,
  constructs: pkg.devDependencies.constructs as string,
};

type Language = 'python' | 'java' | 'go';
const LANGUAGES: Language[] = ['python', 'java', 'go'];

interface Outcome {
  /** `identical`, `different`, `failed` or `skipped: <why>`. */
  status: string;
  badInputOk: boolean;
  details: string[];
  seconds: number;
}

const started = Date.now();
function log(msg: string): void {
  console.log(`[bindings +${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
}

const env: NodeJS.ProcessEnv = { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };

interface RunOptions { cwd?: string; logFile: string; env?: NodeJS.ProcessEnv; allowFail?: boolean }

/** Runs a command, its output appended to `logFile`; rejects with the log's tail when it fails. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(opts.logFile, { flags: 'a' });
    stream.write(`\n$ ${cmd} ${args.join(' ')}  (cwd ${relative(root, opts.cwd ?? root) || '.'})\n`);
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (b: Buffer): void => {
      output += b.toString();
      stream.write(b);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => {
      stream.end();
      reject(err);
    });
    const t0 = Date.now();
    child.on('close', (code) => {
      stream.end(`\n(exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
      if (code !== 0 && !opts.allowFail) {
        const tail = output.split('\n').filter((l) => l.trim() && !l.startsWith('!!')).slice(-25).join('\n');
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code} (log: ${relative(root, opts.logFile)}):\n${tail}`));
      } else {
        resolve({ code: code ?? 1, output });
      }
    });
  });
}

function which(cmd: string, args = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Every file under `dir`, as paths relative to it, sorted. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [relative(dir, p)];
  });
  return walk(dir).sort();
}

/** Differences between the TypeScript output and a port's, as readable lines (empty: byte-identical). */
function compareTrees(expected: string, actual: string): string[] {
  const want = files(expected);
  const got = files(actual);
  const problems: string[] = [];
  for (const f of want.filter((x) => !got.includes(x))) problems.push(`missing ${f}`);
  for (const f of got.filter((x) => !want.includes(x))) problems.push(`unexpected ${f}`);
  for (const f of want.filter((x) => got.includes(x))) {
    const a = readFileSync(join(expected, f));
    const b = readFileSync(join(actual, f));
    if (a.equals(b)) continue;
    const la = a.toString().split('\n');
    const lb = b.toString().split('\n');
    const i = la.findIndex((l, n) => l !== lb[n]);
    problems.push(`${f} differs at line ${i + 1}: TypeScript ${JSON.stringify(la[i])}, port ${JSON.stringify(lb[i])}`);
  }
  return problems;
}

/**
 * The bad input every language ports (examples/bindings/<language>/bad input): a traffic split
 * summing to 90. Returns the error lines the TypeScript app reports.
 */
function badInputTypeScript(outdir: string): string[] {
  const app = new App({ outdir });
  const chart = new Chart(app, 'shop', { namespace: 'default' });
  const svc = new KnService(chart, 'Api', {
    metadata: { name: 'api' },
    image: 'ghcr.io/example/api:1.0',
    revisionName: RevisionName.of('v2'),
  });
  svc.replaceTraffic(TrafficSplit.create().toRevision(svc.revision('v1'), 60, { tag: 'stable' }).toLatest(30, { tag: 'latest' }));
  try {
    app.synth();
  } catch (err) {
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim()).filter((l) => l);
  }
  throw new Error('the bad input synthesized without an error');
}

/** The reference: each TypeScript example's steps, synthesized into <dir>/<example>/<step>/. */
function synthTypeScript(dir: string): Map<string, Example> {
  const byName = new Map(loadExamples().map((e) => [e.name, e]));
  for (const { name } of EXAMPLES) {
    const example = byName.get(name);
    if (!example) throw new Error(`examples/${name}/main.ts not found`);
    for (const step of example.steps) {
      const app = new App({ outdir: join(dir, name, step.name) });
      step.build(app);
      app.synth();
    }
  }
  return byName;
}

/** The README's "First example": its Python, Java and Go snippets and the YAML they must write. */
function readmeFirstExample(): Record<Language | 'yaml', string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## First example\n');
  if (start < 0) throw new Error('README.md has no "## First example" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = (lang: string): string => {
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
    if (!m) throw new Error(`README.md "First example" has no \`\`\`${lang} snippet`);
    return m[1];
  };
  return { python: block('python'), java: block('java'), go: block('go'), yaml: block('yaml') };
}

/** Where a README snippet runs (its file) and writes (CDK8S_OUTDIR, which cdk8s's App reads). */
function readmeDirs(lang: Language): { src: string; outdir: string; env: NodeJS.ProcessEnv } {
  const src = join(out, 'readme', lang);
  const outdir = join(out, 'out', `readme-${lang}`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  return { src, outdir, env: { ...env, CDK8S_OUTDIR: outdir } };
}

/** Checks the outputs of one language and its bad input; fills `outcome`. */
function judge(lang: Language, outcome: Outcome, badOutput: { code: number; output: string }, expectedBad: string[]): void {
  const problems: string[] = [];
  for (const { name } of EXAMPLES) {
    for (const p of compareTrees(join(out, 'out', 'typescript', name), join(out, 'out', lang, name))) problems.push(`${name}: ${p}`);
  }
  const missing = expectedBad.filter((line) => !badOutput.output.includes(line));
  const named = expectedBad.every((l) => l.startsWith('[shop/Api] ') && l.includes('(got ') && l.includes('Fix: '));
  outcome.badInputOk = badOutput.code !== 0 && missing.length === 0 && named;
  if (!outcome.badInputOk) {
    outcome.details.push(`bad input: exit ${badOutput.code}; expected the error line(s) ${JSON.stringify(missing.length ? missing : expectedBad)}`);
  } else {
    outcome.details.push(`bad input: exit ${badOutput.code} with ${JSON.stringify(expectedBad[0])}`);
  }
  const readmeYaml = join(out, 'out', `readme-${lang}`, 'hello.k8s.yaml');
  if (!existsSync(readmeYaml)) problems.push('README first example: wrote no hello.k8s.yaml');
  else if (readFileSync(readmeYaml, 'utf8') !== readmeFirstExample().yaml) problems.push('README first example: output differs from the README\'s YAML');
  else outcome.details.push('README first example: writes the README\'s YAML');
  outcome.status = problems.length ? 'different' : 'identical';
  outcome.details.push(...problems.slice(0, 20));
}

async function python(logFile: string, expectedBad: string[]): Promise<Outcome> {
  const outcome: Outcome = { status: 'failed', badInputOk: false, details: [], seconds: 0 };
  // jsii-pacmak's python target builds in its own venv (setuptools, build, twine from PyPI),
  // writes the wheel and the sdist, and runs `twine check` on both.
  rmSync(join(out, 'python'), { recursive: true, force: true });
  await run('npx', ['jsii-pacmak', '-v', '--target', 'python', '--outdir', out], { logFile });
  const wheels = readdirSync(join(out, 'python')).filter((f) => f.endsWith('.whl'));
  const module = pkg.jsii.targets.python.module as string;
  const wheelPrefix = `${(pkg.jsii.targets.python.distName as string).replace(/-/g, '_')}-${pkg.version}-`;
  if (wheels.length !== 1 || !wheels[0].startsWith(wheelPrefix)) throw new Error(`expected one wheel ${wheelPrefix}*.whl, got ${wheels.join(', ')}`);
  if (!/^[a-z][a-z0-9_]*$/.test(module)) throw new Error(`Python module ${module} is not a PEP 8 module name (short, all-lowercase, underscores)`);
  outcome.details.push(`wheel ${wheels[0]}, module ${module} (PEP 8)`);
  const venv = join(out, 'venv');
  if (!existsSync(join(venv, 'bin', 'python'))) await run('python3', ['-m', 'venv', venv], { logFile });
  const py = join(venv, 'bin', 'python');
  await run(py, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check',
    `cdk8s==${PINS.cdk8s}`, `cdk8s-plus-28==${PINS.cdk8sPlus}`, `constructs==${PINS.constructs}`, `jsii==${PINS.jsiiRuntime}`], { logFile });
  // The same version number every build: reinstall the fresh wheel (its dependencies are there).
  await run(py, ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--force-reinstall', '--no-deps',
    join(out, 'python', wheels[0])], { logFile });
  await run(py, ['-m', 'pip', 'check'], { logFile });
  for (const e of EXAMPLES) {
    await run(py, [join(portsDir, 'python', e.python), join(out, 'out', 'python', e.name)], { logFile });
  }
  const readme = readmeDirs('python');
  writeFileSync(join(readme.src, 'main.py'), readmeFirstExample().python);
  await run(py, ['main.py'], { cwd: readme.src, env: readme.env, logFile });
  const bad = await run(py, [join(portsDir, 'python', 'bad_input.py'), join(out, 'out', 'python-bad')], { logFile, allowFail: true });
  judge('python', outcome, bad, expectedBad);
  return outcome;
}

async function java(logFile: string, expectedBad: string[]): Promise<Outcome> {
  const outcome: Outcome = { status: 'failed', badInputOk: false, details: [], seconds: 0 };
  const repo = join(out, 'java');
  const localRepo = `--maven-local-repository=${mavenRepo}`;
  // cdk8s-plus-28's jar, built once per version from the pinned npm package (no javadoc/sources).
  const plusJar = join(repo, 'org', 'cdk8s', 'cdk8s-plus-28', PINS.cdk8sPlus, `cdk8s-plus-28-${PINS.cdk8sPlus}.jar`);
  if (!existsSync(plusJar)) {
    await run('npx', ['jsii-pacmak', '-v', '--target', 'java', '--outdir', out, localRepo,
      '--mvn-define=maven.javadoc.skip=true', '--mvn-define=maven.source.skip=true', join(root, 'node_modules', 'cdk8s-plus-28')], { logFile });
  }
  // This library's jar, javadoc and sources jars, deployed into build/bindings/java (a Maven
  // repository; jsii-pacmak also resolves cdk8s-plus-28 from there, the output directory).
  rmSync(join(repo, ...(pkg.jsii.targets.java.maven.groupId as string).split('.')), { recursive: true, force: true });
  await run('npx', ['jsii-pacmak', '-v', '--target', 'java', '--outdir', out, localRepo], { logFile });
  const { groupId, artifactId } = pkg.jsii.targets.java.maven as { groupId: string; artifactId: string };
  const jar = join(repo, ...groupId.split('.'), artifactId, pkg.version, `${artifactId}-${pkg.version}.jar`);
  if (!existsSync(jar)) throw new Error(`no jar at ${relative(root, jar)}`);
  outcome.details.push(`jar ${groupId}:${artifactId}:${pkg.version} (package ${pkg.jsii.targets.java.package})`);
  // The examples resolve this library's 0.0.0 from the local repository; drop any older copy.
  rmSync(join(mavenRepo, ...groupId.split('.'), artifactId, pkg.version), { recursive: true, force: true });
  const project = join(portsDir, 'java');
  rmSync(join(project, 'target'), { recursive: true, force: true });
  await run('mvn', ['-B', '-q', `-Dmaven.repo.local=${mavenRepo}`, 'compile', 'dependency:build-classpath',
    '-Dmdep.outputFile=target/classpath.txt'], { cwd: project, logFile });
  const cp = `${join(project, 'target', 'classes')}:${readFileSync(join(project, 'target', 'classpath.txt'), 'utf8').trim()}`;
  for (const e of EXAMPLES) {
    await run('java', ['-cp', cp, `io.github.cdk8sknative.examples.${e.java}`, join(out, 'out', 'java', e.name)], { logFile });
  }
  const readme = readmeDirs('java');
  writeFileSync(join(readme.src, 'Main.java'), readmeFirstExample().java);
  await run('java', ['-cp', cp, 'Main.java'], { cwd: readme.src, env: readme.env, logFile });
  const bad = await run('java', ['-cp', cp, 'io.github.cdk8sknative.examples.BadInput', join(out, 'out', 'java-bad')], { logFile, allowFail: true });
  judge('java', outcome, bad, expectedBad);
  return outcome;
}

async function go(logFile: string, expectedBad: string[]): Promise<Outcome> {
  const outcome: Outcome = { status: 'failed', badInputOk: false, details: [], seconds: 0 };
  // This library's module plus constructs, cdk8s and cdk8s-plus-28 from the pinned npm packages
  // (code only: jsii-pacmak's own `go build` step would ask the proxy for jsii-runtime-go
  // v1.140.0, which it does not serve; the examples' go.mod maps it to v1.141.0).
  const goOut = join(out, 'go');
  rmSync(goOut, { recursive: true, force: true });
  await run('npx', ['jsii-pacmak', '-v', '--code-only', '--target', 'go', '--outdir', out,
    ...['constructs', 'cdk8s', 'cdk8s-plus-28'].map((d) => join(root, 'node_modules', d)), root], { logFile });
  const { moduleName, packageName } = pkg.jsii.targets.go as { moduleName: string; packageName: string };
  const major = Number(String(pkg.version).split('.')[0]);
  const expectedModule = `${moduleName}/${packageName}${major >= 2 ? `/v${major}` : ''}`;
  const goMod = readFileSync(join(goOut, packageName, 'go.mod'), 'utf8');
  const declared = /^module (\S+)$/m.exec(goMod)?.[1];
  if (declared !== expectedModule) throw new Error(`go.mod declares module ${declared}, want ${expectedModule} (major-version suffix rule)`);
  outcome.details.push(`module ${declared} (version ${pkg.version}: ${major >= 2 ? `/v${major} suffix` : 'no /vN suffix below v2'})`);
  const project = join(portsDir, 'go');
  const bin = join(out, 'go-bin');
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  // The README's Go snippet, as a package of the examples' module (gitignored) for its replaces.
  const readme = readmeDirs('go');
  mkdirSync(join(project, 'readme'), { recursive: true });
  writeFileSync(join(project, 'readme', 'main.go'), readmeFirstExample().go);
  // Compiles the library's module too; vet checks the ports' use of it.
  await run('go', ['build', '-o', bin + '/', './...'], { cwd: project, logFile });
  await run('go', ['vet', './...'], { cwd: project, logFile });
  for (const e of EXAMPLES) {
    await run(join(bin, e.go), [join(out, 'out', 'go', e.name)], { logFile });
  }
  await run(join(bin, 'readme'), [], { cwd: readme.src, env: readme.env, logFile });
  const bad = await run(join(bin, 'badinput'), [join(out, 'out', 'go-bad')], { logFile, allowFail: true });
  judge('go', outcome, bad, expectedBad);
  return outcome;
}

const TOOLCHAINS: Record<Language, { check: () => string | undefined; build: (logFile: string, bad: string[]) => Promise<Outcome> }> = {
  python: {
    check: () => (which('python3', ['-m', 'venv', '--help']) ? undefined : 'python3 with the venv module not found (Debian: apt-get install python3 python3-venv)'),
    build: python,
  },
  java: {
    check: () => (!which('java', ['-version']) ? 'java not found (Debian: apt-get install openjdk-17-jdk-headless)'
      : !which('mvn', ['-v']) ? 'mvn not found (Debian: apt-get install maven)' : undefined),
    build: java,
  },
  go: {
    check: () => (which('go', ['version']) ? undefined : 'go not found (https://go.dev/doc/install)'),
    build: go,
  },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a): a is Language => (LANGUAGES as string[]).includes(a));
  const languages = wanted.length ? wanted : LANGUAGES;
  mkdirSync(logs, { recursive: true });
  // The TypeScript reference synthesizes from src/, the bindings from the compiled lib/ and .jsii:
  // compile first when either is missing or older than a source file, or the two would differ.
  const newestSource = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory()
    ? newestSource(join(dir, e.name)) : e.name.endsWith('.ts') ? statSync(join(dir, e.name)).mtimeMs : 0)));
  const compiled = (f: string): number => (existsSync(f) ? statSync(f).mtimeMs : 0);
  if (Math.min(compiled(join(root, '.jsii')), compiled(join(root, 'lib', 'index.js'))) < newestSource(join(root, 'src'))) {
    log('.jsii / lib missing or older than src/: compiling with jsii first');
    await run('npx', ['jsii', '--silence-warnings=reserved-word'], { logFile: join(logs, 'jsii.log') });
  }
  rmSync(join(out, 'out'), { recursive: true, force: true });
  synthTypeScript(join(out, 'out', 'typescript'));
  const expectedBad = badInputTypeScript(join(out, 'out', 'typescript-bad'));
  log(`TypeScript reference: ${files(join(out, 'out', 'typescript')).length} files; bad input: ${JSON.stringify(expectedBad)}`);

  const outcomes = {} as Record<Language, Outcome>;
  // The three languages run side by side (most of their time is downloads and single-threaded tools).
  await Promise.all(languages.map(async (lang) => {
    const t0 = Date.now();
    const missing = TOOLCHAINS[lang].check();
    if (missing) {
      log(`SKIP ${lang}: ${missing}`);
      outcomes[lang] = { status: `skipped: ${missing}`, badInputOk: false, details: [], seconds: 0 };
      return;
    }
    const logFile = join(logs, `${lang}.log`);
    writeFileSync(logFile, '');
    log(`${lang}: building (log: ${relative(root, logFile)})`);
    try {
      outcomes[lang] = await TOOLCHAINS[lang].build(logFile, expectedBad);
    } catch (err) {
      outcomes[lang] = { status: 'failed', badInputOk: false, details: [(err as Error).message], seconds: 0 };
    }
    outcomes[lang].seconds = Math.round((Date.now() - t0) / 1000);
    log(`${lang}: ${outcomes[lang].status} (${outcomes[lang].seconds}s)`);
  }));

  for (const lang of languages) {
    const o = outcomes[lang];
    console.log(`\n${lang}: ${o.status}${o.seconds ? ` in ${o.seconds}s` : ''}`);
    for (const d of o.details) console.log(`  ${d.split('\n').join('\n  ')}`);
  }
  const result: Record<string, string | number> = {};
  for (const lang of languages) result[lang] = outcomes[lang].status;
  result.examples = EXAMPLES.length;
  result.bad_input_ok = languages.filter((l) => outcomes[l].badInputOk).length;
  console.log(`\nbindings: ${((Date.now() - started) / 1000).toFixed(0)}s in all`);
  console.log(`RESULT ${JSON.stringify(result)}`);
  const skipped = languages.filter((l) => outcomes[l].status.startsWith('skipped'));
  const ok = languages.every((l) => skipped.includes(l) || (outcomes[l].status === 'identical' && outcomes[l].badInputOk));
  // CI has every toolchain: a skip there would hide a binding nobody built.
  if (process.env.CI && skipped.length) console.log(`CI is set: skipping ${skipped.join(', ')} fails the run`);
  process.exitCode = ok && !(process.env.CI && skipped.length) ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
