/**
 * The teardown every cluster test file registers: the stack stopped (every process, every temp
 * dir) after the file's tests, and the stack's diagnostics printed after a failed test.
 */
import type { Stack } from './stack';

export function stopAndDiagnose(current: () => Stack | undefined): void {
  afterAll(async () => {
    await current()?.stop();
  });
  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      // eslint-disable-next-line no-console
      console.log(current()?.diagnostics());
    }
  });
}
