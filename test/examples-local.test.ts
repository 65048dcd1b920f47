/**
 * Every example converges when applied alone to a fresh (emulated) cluster, step by step, exactly
 * as `npm run synth && npm run local -- dist/manifests/<example>` does it: every object applies
 * and every Knative Service ends Ready at the observed generation.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocal } from '../scripts/local';
import { loadExamples, synthesizeExample } from '../scripts/synth-examples';

describe('local mode: each example converges on a fresh cluster', () => {
  let out: string;
  let log: jest.SpyInstance;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-local-'));
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  test.each(loadExamples().map((e) => [e.name, e] as const))('%s ends Ready', async (name, example) => {
    synthesizeExample(example, out);
    const ok = await runLocal(path.join(out, name), { timeoutSeconds: 20 });
    const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(printed).not.toContain('ERROR applying');
    expect({ name, ok, printed: ok ? '' : printed }).toEqual({ name, ok: true, printed: '' });
    expect(printed).toMatch(/Ready=True/);
  });
});
