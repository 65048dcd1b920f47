import { ApiObject, App, Chart, Lazy, Testing } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { loadExamples } from '../../scripts/synth-examples';
import { KnativeResource, KnService } from '../../src';

/**
 * When cdk8s's generic resolve cannot change our rendering (no JSON patches, only cdk8s's own
 * resolvers, plain JSON), a Knative resource's ApiObject writes its manifest itself instead of
 * going through `ApiObject.toJson()`'s resolve. These tests pin that the result is exactly what
 * cdk8s's own `ApiObject.toJson()` renders for the same object: same values, same key order.
 */
describe('the manifest written without cdk8s resolve is the one cdk8s renders', () => {
  /** cdk8s's own render of the object (the base class method, not our override). */
  function cdk8sRender(obj: ApiObject): string {
    return JSON.stringify(ApiObject.prototype.toJson.call(obj));
  }

  function knativeObjects(app: App): ApiObject[] {
    return app.node.findAll().filter((c): c is KnativeResource => c instanceof KnativeResource).map((r) => r.apiObject);
  }

  const steps = loadExamples().flatMap((e) => e.steps.map((s) => [`${e.name}/${s.name}`, s] as const));

  test.each(steps)('%s: before and after a validation pass', (_name, step) => {
    const app = new App();
    step.build(app);
    const objects = knativeObjects(app);
    expect(objects.length).toBeGreaterThan(0);
    // Rendered afresh (no validation pass yet).
    for (const o of objects) expect(JSON.stringify(o.toJson())).toBe(cdk8sRender(o));
    // After a validation pass: the copy made by the pass is written.
    for (const c of app.node.findAll()) c.node.validate();
    const written = objects.map((o) => JSON.stringify(o.toJson()));
    expect(written).toEqual(objects.map(cdk8sRender));
  });

  describe('CDK8S_DISABLE_SORT', () => {
    const saved = process.env.CDK8S_DISABLE_SORT;
    afterEach(() => {
      if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = saved;
    });
    const sorting = (on: boolean) => {
      if (on) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = '1';
    };

    function setup(): { app: App; svc: KnService; validate: () => void; change: () => void } {
      const app = Testing.app();
      const chart = new Chart(app, 'c', { namespace: 'default' });
      const svc = new KnService(chart, 'Svc', {
        metadata: { name: 'svc', labels: { zeta: 'z', alpha: 'a' } },
        image: 'img',
        envVariables: { ZED: EnvValue.fromValue('z'), ALPHA: EnvValue.fromValue('a') },
      });
      svc.template.addRevisionAnnotation('zz.example.com/b', 'x');
      svc.template.addRevisionAnnotation('aa.example.com/a', 'y');
      let n = 0;
      return {
        app,
        svc,
        validate: () => {
          for (const c of app.node.findAll()) c.node.validate();
        },
        // A mutation of ours: the next validation pass renders (and hands over) afresh.
        change: () => svc.template.addRevisionLabel('n', String(++n)),
      };
    }

    test('our rendering is not sorted everywhere (so these tests can tell)', () => {
      const { svc } = setup();
      sorting(false);
      const unsorted = cdk8sRender(svc.apiObject);
      sorting(true);
      expect(cdk8sRender(svc.apiObject)).not.toBe(unsorted);
    });

    test.each([
      ['off during validation, off when written', false, false],
      ['on during validation, off when written', true, false],
      ['off during validation, on when written', false, true],
    ])('%s: written in cdk8s order', (_name, duringValidation, whenWritten) => {
      const { svc, validate, change } = setup();
      sorting(duringValidation);
      change();
      validate();
      sorting(whenWritten);
      // Written from what the validation pass rendered (handed over once), then afresh.
      const written = JSON.stringify(svc.apiObject.toJson());
      expect(written).toBe(cdk8sRender(svc.apiObject));
      expect(JSON.stringify(svc.apiObject.toJson())).toBe(written);
    });

    test.each([
      ['on during validation, off when rendered', true, false],
      ['off during validation, on when rendered', false, true],
    ])("cdk8s's own render of what a validation pass rendered (JSON patches added after it): %s", (_name, duringValidation, whenRendered) => {
      const { svc, validate, change } = setup();
      sorting(duringValidation);
      change();
      validate();
      sorting(whenRendered);
      const fromPass = cdk8sRender(svc.apiObject);
      expect(fromPass).toBe(cdk8sRender(svc.apiObject));
    });
  });

  test('every toJson() returns objects of its own (changing one output changes nothing else)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', port: 8080 });
    for (const c of app.node.findAll()) c.node.validate();
    const first = svc.apiObject.toJson();
    first.spec.template.spec.containers[0].image = 'changed';
    first.metadata.name = 'changed';
    const second = svc.apiObject.toJson();
    expect(second.spec.template.spec.containers[0].image).toBe('img');
    expect(second.metadata.name).toBe('svc');
    expect(app.synthYaml()).not.toContain('changed');
  });

  test('Lazy metadata values are read when the manifest is written', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    let note = 'first';
    const svc = new KnService(chart, 'Svc', {
      metadata: { name: 'svc', annotations: { note: Lazy.any({ produce: () => note }) as unknown as string } },
      image: 'img',
    });
    for (const c of app.node.findAll()) c.node.validate();
    note = 'second';
    expect(svc.apiObject.toJson().metadata.annotations).toEqual({ note: 'second' });
  });

  test('a key cdk8s cannot render is left to cdk8s (and fails the way it does)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
    svc.template.addRevisionAnnotation('constructor', 'x');
    expect(() => svc.apiObject.toJson()).toThrow(/Failed serializing construct at path 'c\/Svc\/Resource'.*can't render non-simple object/);
    expect(() => app.synthYaml()).toThrow(/can't render non-simple object/);
  });
});
