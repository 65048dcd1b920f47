import * as fs from 'node:fs';
import * as path from 'node:path';
import { KnativeError } from '../serving/errors';

let cached: string | undefined;

/**
 * The version of this npm package, read from its package.json at runtime (never hard-coded),
 * so the default image tags follow the published package.
 *
 * Works from both `src/control-plane` (ts-jest, ts-node) and `lib/control-plane` (compiled):
 * the package root is two directories up in both layouts.

 */
export function packageVersion(): string {
  if (cached === undefined) {
    const file = path.join(__dirname, '..', '..', 'package.json');
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (typeof pkg.version !== 'string' || pkg.version === '') {
      // Path-less: the ServingControlPlane constructor locates it.
      throw new KnativeError(undefined, {
        field: 'controllerImage',
        message: `has no default: there is no "version" in ${file} to derive the image tag from`,
        fix: 'Set controllerImage and ingressImage explicitly.',
      });
    }
    cached = pkg.version;
  }
  return cached;
}
