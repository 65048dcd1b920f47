/** config-network: domain and tag templates, schemes, TLS switches, rollout duration. */
import { enabledDisabled, Reader, strictEnabledDisabled } from './reader';
import { renderTemplate } from './template';
import { DEFAULT_DOMAIN_TEMPLATE, DEFAULT_TAG_TEMPLATE, defaultServingConfig, NetworkConfig } from './types';

export function parseNetwork(data: Record<string, string>): NetworkConfig {
  const r = new Reader('config-network', data);
  const n = defaultServingConfig().network;
  // New (kebab-case) keys take precedence over the legacy spellings.
  n.ingressClass = r.string(n.ingressClass, 'ingress-class', 'ingress.class');
  n.certificateClass = r.string(n.certificateClass, 'certificate-class', 'certificate.class');
  n.domainTemplate = r.string(n.domainTemplate, 'domain-template', 'domainTemplate');
  n.tagTemplate = r.string(n.tagTemplate, 'tag-template', 'tagTemplate');
  n.rolloutDurationSeconds = r.int(n.rolloutDurationSeconds, 'rollout-duration', 'rolloutDuration');
  n.autocreateClusterDomainClaims = r.bool(n.autocreateClusterDomainClaims, 'autocreate-cluster-domain-claims', 'autocreateClusterDomainClaims');
  n.namespaceWildcardCertSelector = r.string(n.namespaceWildcardCertSelector, 'namespace-wildcard-cert-selector');
  n.externalDomainTls = enabledDisabled(r, n.externalDomainTls, 'external-domain-tls', 'auto-tls', 'autoTLS');
  n.clusterLocalDomainTls = strictEnabledDisabled(r, n.clusterLocalDomainTls, 'cluster-local-domain-tls');
  n.systemInternalTls = strictEnabledDisabled(r, n.systemInternalTls, 'system-internal-tls');
  n.defaultExternalScheme = r.string(n.defaultExternalScheme, 'default-external-scheme', 'defaultExternalScheme');

  const hp = r.raw('http-protocol', 'httpProtocol');
  if (hp !== undefined) {
    switch (hp.value.trim().toLowerCase()) {
      case '':
      case 'enabled': n.httpProtocol = 'Enabled'; break;
      case 'redirected': n.httpProtocol = 'Redirected'; break;
      case 'disabled': n.httpProtocol = 'Disabled'; break;
      default:
        r.fail(hp.key, hp.value, 'unsupported http-protocol', 'use "Enabled" or "Redirected" ("Disabled" is deprecated)');
    }
  }
  // Knative uses the value verbatim; we only reject strings that cannot be a URL scheme.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(n.defaultExternalScheme)) {
    const x = r.raw('default-external-scheme', 'defaultExternalScheme')!;
    r.fail(x.key, x.value, 'not a URL scheme', 'set default-external-scheme to "http" or "https"');
  }
  if (n.rolloutDurationSeconds < 0) {
    const x = r.raw('rollout-duration', 'rolloutDuration')!;
    r.fail(x.key, x.value, 'must be ≥ 0', 'use a non-negative integer number of seconds (0 disables gradual rollout)');
  }
  checkDomainTemplate(r, n.domainTemplate);
  checkTagTemplate(r, n.tagTemplate);
  return n;
}

function checkDomainTemplate(r: Reader, tpl: string): void {
  const x = r.raw('domain-template', 'domainTemplate');
  if (x === undefined) return;
  let out: string;
  try {
    out = renderTemplate(tpl, { Name: 'foo', Namespace: 'bar', Domain: 'baz.com', Annotations: {}, Labels: {} });
  } catch (e) {
    return r.fail(x.key, x.value, (e as Error).message, `use a template such as "${DEFAULT_DOMAIN_TEMPLATE}"`);
  }
  if (out === '' || /[/?#\s]/.test(out)) {
    r.fail(x.key, x.value, out === '' ? 'renders an empty hostname' : `domain template has url path or invalid characters (rendered "${out}")`,
      `the template must render a bare hostname, e.g. "${DEFAULT_DOMAIN_TEMPLATE}"`);
  }
}

function checkTagTemplate(r: Reader, tpl: string): void {
  const x = r.raw('tag-template', 'tagTemplate');
  if (x === undefined) return;
  try {
    renderTemplate(tpl, { Name: 'foo', Tag: 'bar' });
  } catch (e) {
    r.fail(x.key, x.value, (e as Error).message, `use a template such as "${DEFAULT_TAG_TEMPLATE}" (variables: .Tag, .Name)`);
  }
}
