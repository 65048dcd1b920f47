/**
 * The README's "Cookbook" section is code users copy: every ```ts snippet of it (after the shared
 * prelude) type-checks against the library and synthesizes through cdk8s validation to at least
 * one Knative object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

function cookbookSnippets(): { prelude: string; snippets: Array<{ title: string; code: string }> } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Cookbook\n');
  if (start < 0) throw new Error('README.md has no "## Cookbook" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: Array<{ title: string; code: string }> = [];
  const re = /\*\*([^*]+)\*\*[^\n]*\n\n```ts\n([\s\S]*?)```|```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(section); m; m = re.exec(section)) {
    blocks.push(m[1] !== undefined ? { title: m[1], code: m[2] } : { title: '(prelude)', code: m[3] });
  }
  const [prelude, ...snippets] = blocks;
  if (prelude?.title !== '(prelude)') throw new Error('the Cookbook section must start with the shared prelude snippet');
  return { prelude: prelude.code, snippets };
}

const { prelude, snippets } = cookbookSnippets();

test('the cookbook has the common tasks', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(8);
});

test('every cookbook snippet type-checks against the library', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookbook-'));
  try {
    const files = snippets.map((s, i) => {
      const f = path.join(dir, `snippet${i}.ts`);
      // Each snippet is its own module; `void` uses the prelude's names the snippet may not need.
      fs.writeFileSync(f, `${prelude}\n${s.code}\nvoid app; void chart;\nexport {};\n`);
      return f;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      noEmit: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noUnusedLocals: false,
      baseUrl: ROOT,
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
      types: ['node'],
      paths: { 'cdk8s-knative-serving': ['src/index.ts'], '*': ['node_modules/*'] },
    });
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.includes(d.file.fileName))
      .map((d) => {
        const i = files.indexOf(d.file!.fileName);
        return `${snippets[i].title}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test.each(snippets.map((s) => [s.title, s.code] as const))('%s synthesizes', (_title, code) => {
  const js = ts.transpileModule(`${prelude}\n${code}\nmodule.exports = { app, chart };\n`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  // The snippets import the package by its published name: resolve that to this checkout.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (id: string): unknown => (id === 'cdk8s-knative-serving' ? require('../src') : require(id));
  const mod: { exports: { app?: App; chart?: Chart } } = { exports: {} };
  new Function('require', 'module', 'exports', js)(req, mod, mod.exports);
  const { app, chart } = mod.exports;
  expect(app).toBeInstanceOf(App);
  const yaml = app!.synthYaml(); // runs every validation
  expect(yaml).toContain('serving.knative.dev/');
  expect(chart).toBeDefined();
});
