import { IConstruct } from 'constructs';

/**
 * Run `fn`; if it throws, rethrow as an `Error` whose message starts with the construct path of
 * `scope` (`<path>: <original message>`), unless the message already starts with it (nested
 * wrappers, e.g. a template's `addContainer()` called from a constructor).
 * @internal
 */
export function _withPath<T>(scope: IConstruct | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw _pathError(scope, e);
  }
}

/**
 * The error `e` prefixed with the construct path of `scope` (see `_withPath`).
 * @internal
 */
export function _pathError(scope: IConstruct | undefined, e: unknown): unknown {
  if (!scope) return e;
  const prefix = `${scope.node.path}: `;
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith(prefix)) return e;
  return new Error(`${prefix}${message}`, { cause: e });
}
