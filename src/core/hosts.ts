/**
 * Domains, host templates and URLs (reference §11).
 */
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_DOMAIN_TEMPLATE, DEFAULT_TAG_TEMPLATE, renderTemplate, ServingConfig } from './config';
import { isDns1123Label, MAX_SUBDOMAIN_LENGTH } from './names';

export const VISIBILITY_LABEL = 'networking.knative.dev/visibility';
export const VISIBILITY_CLUSTER_LOCAL = 'cluster-local';

export interface DomainTemplateValues {
  Name: string;
  Namespace: string;
  Domain: string;
  Annotations?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** Render `config-network: domain-template`. Throws on unsupported template actions/unknown fields. */
export function renderDomainTemplate(tpl: string, v: DomainTemplateValues): string {
  return renderTemplate(tpl, {
    Name: v.Name,
    Namespace: v.Namespace,
    Domain: v.Domain,
    Annotations: v.Annotations ?? {},
    Labels: v.Labels ?? {},
  });
}

/** Render `config-network: tag-template` (variables `.Tag`, `.Name`). */
export function renderTagTemplate(tpl: string, v: { Tag: string; Name: string }): string {
  return renderTemplate(tpl, { Tag: v.Tag, Name: v.Name });
}

/**
 * `<name>.<namespace>.<domain>` rendered with a domain template (default: Knative's
 * `{{.Name}}.{{.Namespace}}.{{.Domain}}`). The constructs use it with the default template.
 */
export function domainHost(name: string, namespace: string, domain: string, template: string = DEFAULT_DOMAIN_TEMPLATE): string {
  return renderDomainTemplate(template, { Name: name, Namespace: namespace, Domain: domain });
}

/** A tag's host name (the `Name` the domain template gets, and its placeholder Service's name): tag-template, default `{{.Tag}}-{{.Name}}`. */
export function tagHostName(tag: string, routeName: string, template: string = DEFAULT_TAG_TEMPLATE): string {
  return renderTagTemplate(template, { Tag: tag, Name: routeName });
}

/** `svc.<clusterDomain>`: the cluster-local domain. */
export function clusterLocalDomain(cfg: ServingConfig): string {
  return clusterLocalDomainOf(cfg.clusterDomain);
}

/** `svc.<clusterDomain>` for a bare cluster domain (the runtime knows only `CLUSTER_DOMAIN`). */
export function clusterLocalDomainOf(clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): string {
  return `svc.${clusterDomain}`;
}

/**
 * `<name>.<namespace>.svc.<clusterDomain>`: the cluster-local host of a Kubernetes Service (a
 * Route's or tag's placeholder Service, `status.address`, a Revision's ClusterIP Service, the
 * ingress Service). The last of `clusterLocalHostForms`.
 */
export function clusterLocalHost(name: string, namespace: string, clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): string {
  return `${name}.${namespace}.${clusterLocalDomainOf(clusterDomain)}`;
}

/** A host as hosts are compared: lower case, without a trailing dot. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * The hosts of a name (a Route, or a tag's host name such as `<tag>-<route>`) in Knative's
 * ClusterLocal ingress rule (§11.4): `<name>.<ns>`, `<name>.<ns>.svc`, `<name>.<ns>.svc.<cd>`.
 * Every traffic name gets them, public or not; they are cluster-local by definition.
 */
export function clusterLocalHostForms(name: string, namespace: string, clusterDomain: string): string[] {
  const short = `${name}.${namespace}`;
  return [short, `${short}.svc`, clusterLocalHost(name, namespace, clusterDomain)];
}

/**
 * Whether a host from a Route's status (`status.url`, `status.traffic[].url`) is cluster-local,
 * i.e. must be served only inside the cluster. Cluster-local Routes and tags (visibility label,
 * config-domain selecting `svc.<cd>`, or a tag's labelled placeholder Service) get hosts rendered
 * with the default domain template under `svc.<cd>` (§11.3, §11.4), so the host is cluster-local
 * exactly when it is `svc.<cd>` or a subdomain of it. Case-insensitive; a trailing dot is ignored.
 * (A config-domain entry such as `x.svc.<cd>` would give upstream an external host in that domain;
 * here it stays cluster-local: names under `svc.<cd>` only resolve inside the cluster.)
 */
export function isClusterLocalHost(host: string, clusterDomain: string): boolean {
  const h = normalizeHost(host);
  const domain = clusterLocalDomainOf(clusterDomain.toLowerCase());
  return h === domain || h.endsWith(`.${domain}`);
}

/**
 * config-domain lookup for a Route's labels (§11.1): visibility label `cluster-local` →
 * `svc.<cd>`; else the matching entry with the most selector labels, ties → lexicographically
 * smallest domain; an implicit `svc.<cd>` default exists when no entry has an empty selector.
 */
export function selectDomain(routeLabels: Record<string, string> | undefined, cfg: ServingConfig): string {
  const labels = routeLabels ?? {};
  const local = clusterLocalDomain(cfg);
  if (labels[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL) return local;
  const entries: Array<[string, Record<string, string>]> = Object.entries(cfg.domain ?? {});
  if (!entries.some(([, sel]) => Object.keys(sel ?? {}).length === 0)) entries.push([local, {}]);
  let domain = '';
  let specificity = -1;
  for (const [k, sel] of entries) {
    const keys = Object.keys(sel ?? {});
    if (!keys.every(key => Object.prototype.hasOwnProperty.call(labels, key) && labels[key] === sel[key])) continue;
    if (keys.length < specificity) continue;
    if (keys.length > specificity || k < domain) {
      domain = k;
      specificity = keys.length;
    }
  }
  return domain;
}

/** True when the Route gets the cluster-local domain `svc.<cd>`. */
export function isClusterLocal(routeLabels: Record<string, string> | undefined, cfg: ServingConfig): boolean {
  return selectDomain(routeLabels, cfg) === clusterLocalDomain(cfg);
}

/** Invalid host produced by the domain/tag templates (Route: AllTrafficAssigned=False ErrorConfig). */
export class RouteHostsError extends Error {
  public readonly reason = 'ErrorConfig';
  constructor(message: string) {
    super(message);
    this.name = 'RouteHostsError';
  }
}

export interface TagHost {
  host: string;
  url: string;
  clusterLocal: boolean;
  /** The tag's host name: tag-template rendered for the tag and the Route (`<tag>-<route>` by default). */
  name: string;
  /** `<tag-name>.<ns>.svc.<cd>` */
  clusterLocalHost: string;
}

export interface RouteHosts {
  /** Main URL (`status.url`). */
  url: string;
  /** Main host (external or cluster-local). */
  host: string;
  /** `<route>.<ns>.svc.<cd>` */
  clusterLocalHost: string;
  /** `http://<route>.<ns>.svc.<cd>` (`status.address.url`). */
  addressUrl: string;
  /** Per tag: host and URL (`status.traffic[i].url`). */
  tags: Record<string, TagHost>;
  /** Whether the Route (default traffic name) is cluster-local. */
  clusterLocal: boolean;
  /** Selected config-domain suffix. */
  domain: string;
}

export interface RouteHostsInput {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Validate a rendered host: FQDN, each label ≤ 63, total ≤ 253. Returns an error message or undefined. */
export function checkHost(host: string): string | undefined {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h === '') return 'host must not be empty';
  if (h.length > MAX_SUBDOMAIN_LENGTH) return `host "${h}" must be no more than ${MAX_SUBDOMAIN_LENGTH} characters (got ${h.length})`;
  const labels = h.split('.');
  if (labels.length < 2) return `host "${h}" should be a domain with at least two segments separated by dots`;
  for (const l of labels) {
    if (l.length > 63) return `host "${h}": label "${l}" must be no more than 63 characters (got ${l.length})`;
    if (!isDns1123Label(l)) {
      return `host "${h}": label "${l}" must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`;
    }
  }
  return undefined;
}

function hostFor(route: RouteHostsInput, name: string, local: boolean, cfg: ServingConfig, domain: string): string {
  const tpl = local ? DEFAULT_DOMAIN_TEMPLATE : cfg.network.domainTemplate;
  let host: string;
  try {
    host = renderDomainTemplate(tpl, {
      Name: name,
      Namespace: route.namespace,
      Domain: local ? clusterLocalDomain(cfg) : domain,
      Annotations: route.annotations,
      Labels: route.labels,
    });
  } catch (e) {
    throw new RouteHostsError(`error executing the DomainTemplate: ${(e as Error).message}`);
  }
  const err = checkHost(host);
  if (err) throw new RouteHostsError(`invalid domain name "${host}": ${err}`);
  return host;
}

/**
 * Hosts and URLs for a Route (§11.3). Cluster-local hosts always use the default domain template.
 * `clusterLocalTags` lists tags whose placeholder Service carries a visibility label (§11.4).
 * Throws RouteHostsError (→ AllTrafficAssigned=False ErrorConfig) when a template fails or
 * renders an invalid host.
 */
export function routeHosts(route: RouteHostsInput, tags: string[], cfg: ServingConfig, clusterLocalTags?: Iterable<string>): RouteHosts {
  const domain = selectDomain(route.labels, cfg);
  const local = domain === clusterLocalDomain(cfg);
  const scheme = (external: boolean) => (external ? cfg.network.defaultExternalScheme || 'http' : 'http');
  const routeLocalHost = clusterLocalHost(route.name, route.namespace, cfg.clusterDomain);
  const host = hostFor(route, route.name, local, cfg, domain);
  const localTags = new Set(clusterLocalTags ?? []);
  const out: RouteHosts = {
    url: `${scheme(!local)}://${host}`,
    host,
    clusterLocalHost: routeLocalHost,
    addressUrl: `http://${routeLocalHost}`,
    tags: {},
    clusterLocal: local,
    domain,
  };
  for (const tag of tags) {
    if (!tag || out.tags[tag]) continue;
    let tagName: string;
    try {
      tagName = tagHostName(tag, route.name, cfg.network.tagTemplate);
    } catch (e) {
      throw new RouteHostsError(`error executing the TagTemplate: ${(e as Error).message}`);
    }
    const tagLocal = local || localTags.has(tag);
    const tagHost = hostFor(route, tagName, tagLocal, cfg, domain);
    out.tags[tag] = {
      host: tagHost,
      url: `${scheme(!tagLocal)}://${tagHost}`,
      clusterLocal: tagLocal,
      name: tagName,
      clusterLocalHost: clusterLocalHost(tagName, route.namespace, cfg.clusterDomain),
    };
  }
  return out;
}
