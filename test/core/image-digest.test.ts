import { digestPlan, digestedReference, dockerConfigRegistry, parseImageReference, pullSecretCredentials, registryScheme } from '../../src/core/image-digest';

describe('image references for tag-to-digest resolution', () => {
  test.each([
    ['nginx', { registry: 'index.docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['docker.io/team/app:1.2', { registry: 'index.docker.io', repository: 'team/app', tag: '1.2' }],
    ['gcr.io/knative-samples/helloworld-go', { registry: 'gcr.io', repository: 'knative-samples/helloworld-go', tag: 'latest' }],
    ['localhost:5000/a/b:dev', { registry: 'localhost:5000', repository: 'a/b', tag: 'dev' }],
    ['127.0.0.1:5000/app:v1', { registry: '127.0.0.1:5000', repository: 'app', tag: 'v1' }],
    [`ghcr.io/o/r:t@sha256:${'a'.repeat(64)}`, { registry: 'ghcr.io', repository: 'o/r', tag: 't', digest: `sha256:${'a'.repeat(64)}` }],
  ])('%s', (image, want) => {
    expect(parseImageReference(image)).toEqual(want);
  });

  test('bad references are errors naming the reference', () => {
    expect(() => parseImageReference('')).toThrow('image reference is empty');
    expect(() => parseImageReference('x/y@nothex')).toThrow('image reference "x/y@nothex" has an invalid digest "nothex"');
  });

  test('plan: pinned kept, skipped registries (config-deployment default kind.local, ko.local, dev.local) skipped, others resolved', () => {
    const skip = ['kind.local', 'ko.local', 'dev.local'];
    expect(digestPlan(`gcr.io/x/y@sha256:${'b'.repeat(64)}`, skip)).toBe('keep');
    expect(digestPlan('ko.local/app:1', skip)).toBe('skip');
    expect(digestPlan('dev.local/team/app', skip)).toBe('skip');
    expect(digestPlan('gcr.io/x/y:1', skip)).toBe('resolve');
    expect(digestPlan('nginx', ['index.docker.io'])).toBe('skip');
  });

  test('digested reference: registry/repository@digest, as upstream writes imageDigest', () => {
    expect(digestedReference('nginx:1.25', 'sha256:abc')).toBe('index.docker.io/library/nginx@sha256:abc');
    expect(digestedReference('gcr.io/a/b:1', 'sha256:abc')).toBe('gcr.io/a/b@sha256:abc');
  });

  test('scheme: plain HTTP only for localhost, *.local and loopback (as go-containerregistry)', () => {
    expect(registryScheme('localhost:5000')).toBe('http');
    expect(registryScheme('registry.local')).toBe('http');
    expect(registryScheme('127.0.0.1:5000')).toBe('http');
    expect(registryScheme('[::1]:5000')).toBe('http');
    expect(registryScheme('gcr.io')).toBe('https');
    expect(registryScheme('10.0.0.5:5000')).toBe('https');
  });

  test('pull Secret credentials: .dockerconfigjson (auth or username/password), legacy .dockercfg, other Secrets none', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
    expect(pullSecretCredentials('s', {
      '.dockerconfigjson': b64({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('bob:pw:with:colons').toString('base64') },
          'reg.example.com:5000': { username: 'u', password: 'p' },
          'empty.example.com': {},
        },
      }),
    })).toEqual([
      { registry: 'index.docker.io', username: 'bob', password: 'pw:with:colons' },
      { registry: 'reg.example.com:5000', username: 'u', password: 'p' },
    ]);
    expect(pullSecretCredentials('s', { '.dockercfg': b64({ 'gcr.io': { username: '_json_key', password: '{}' } }) }))
      .toEqual([{ registry: 'gcr.io', username: '_json_key', password: '{}' }]);
    expect(pullSecretCredentials('s', { token: 'x' })).toEqual([]);
    expect(() => pullSecretCredentials('regcred', { '.dockerconfigjson': Buffer.from('{nope').toString('base64') }))
      .toThrow(/^image pull Secret "regcred" does not hold valid docker config JSON: /);
    expect(dockerConfigRegistry('https://registry-1.docker.io/v2/')).toBe('index.docker.io');
  });
});
