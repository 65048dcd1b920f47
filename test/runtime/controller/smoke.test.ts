import { Harness, applyService, domainConfigMap, image, isReadyObj, ksvc, startHarness } from './harness';

describe('controller smoke', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  test('a Service becomes Ready with url http://hello.default.example.com under config-domain example.com', async () => {
    h = await startHarness();
    h.emu.seed(domainConfigMap('example.com'));
    await applyService(h, ksvc('hello', { template: { spec: image('gcr.io/x/hello:v1', { TARGET: 'world' }) } }));
    const svc = await h.emu.waitFor('ksvc', 'default', 'hello', isReadyObj, 10000);
    expect(svc!.status.url).toBe('http://hello.default.example.com');
    await h.settle();
    if (process.env.DUMP) {
      for (const r of ['ksvc', 'configurations', 'routes', 'revisions', 'deployments', 'services']) {
        for (const o of h.emu.list(r, 'default')) console.log(r, JSON.stringify({ metadata: o.metadata, spec: r === 'deployments' ? undefined : o.spec, status: o.status }, null, 1));
      }
      console.log(h.emu.actions().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''} ${a.name} ${a.error ? a.error.code + ' ' + a.error.message : ''}`).join('\n'));
    }
  });
});
