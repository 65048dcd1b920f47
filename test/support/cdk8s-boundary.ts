/**
 * The cdk8s boundary check (issue 11): code in src/ may use cdk8s, constructs and cdk8s-plus-28
 * only through their public, exported API, so that a minor release of any of them cannot break a
 * user's synth.
 *
 * Type-aware (TypeScript compiler API), over a program of the checked files. Flagged:
 * - a member whose declaration in a guarded package is private, `_`-prefixed, `#private` or
 *   `@internal` (dot or bracket access; bracket access is TypeScript's escape hatch for `private`);
 * - a member reached through a cast (`(x as any).patches`, `(x as unknown as { patches }).patches`)
 *   that is not a public member of the guarded class of `x`;
 * - a cast of a guarded object to `any`, or to a type that spells out members the class does not
 *   expose publicly (`meta as unknown as { _additionalAttributes: … }`);
 * - a guarded object passed, assigned or returned where the expected type (our own structural
 *   type) spells out such members (`function f(v: { _toKube(): unknown })` called with a
 *   cdk8s-plus `Volume`): the same reach as a cast, without writing one;
 * - a computed (`obj[key]`) access on a guarded object;
 * - reflection or patching: `Class.prototype`, `Object.assign/keys/defineProperty/…(obj)`,
 *   `Reflect.*(obj)`, `JSON.stringify(obj)`, `for (k in obj)`, `{ ...obj }` on a guarded object;
 * - a deep import (`cdk8s/lib/…`, `constructs/lib/…`, `cdk8s-plus-28/lib/…`): modules the
 *   packages do not export.
 * Our own classes (subclasses included) may have `_`-members of their own; protected members of
 * a cdk8s base class stay usable from the subclass (the compiler enforces that).
 */
import * as path from 'node:path';
import * as ts from 'typescript';

/** One forbidden use. */
export interface BoundaryFinding {
  /** Path relative to the project root. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  readonly reason: string;
  /** The offending source text (one line). */
  readonly text: string;
}

export const GUARDED_PACKAGES: readonly string[] = ['cdk8s', 'constructs', 'cdk8s-plus-28'];

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Whether the TypeScript flag set `flags` has `bit` (the compiler API's flag enums). */
function has(flags: number, bit: number): boolean {
  // eslint-disable-next-line no-bitwise
  return (flags & bit) !== 0;
}

const REFLECTING_OBJECT_FUNCTIONS = new Set([
  'assign', 'defineProperty', 'defineProperties', 'setPrototypeOf', 'getPrototypeOf', 'keys', 'values', 'entries',
  'getOwnPropertyNames', 'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors', 'getOwnPropertySymbols',
]);

/** Compiler options of tsconfig.dev.json (what `npm run typecheck` uses). */
export function devCompilerOptions(): ts.CompilerOptions {
  const configPath = path.join(PROJECT_ROOT, 'tsconfig.dev.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  return { ...parsed.options, noEmit: true };
}

/** Every .ts file under `dir` (absolute paths, sorted). */
export function tsFilesUnder(dir: string): string[] {
  return ts.sys.readDirectory(dir, ['.ts'], ['**/*.d.ts']).map((f) => path.resolve(f)).sort();
}

/**
 * The forbidden uses of cdk8s/constructs internals in `files` (absolute paths, part of `program`).
 */
export function findBoundaryViolations(
  program: ts.Program,
  files: readonly string[],
  packages: readonly string[] = GUARDED_PACKAGES,
): BoundaryFinding[] {
  const checker = program.getTypeChecker();
  const guardedPath = new RegExp(`[\\\\/]node_modules[\\\\/](${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})[\\\\/]`);
  const findings: BoundaryFinding[] = [];

  const isGuardedDecl = (d: ts.Declaration): boolean => guardedPath.test(d.getSourceFile().fileName);

  /** Private, protected (when `protectedCounts`), `_`-prefixed, #private or @internal. */
  const isNonPublicDecl = (d: ts.Declaration, name: string, protectedCounts: boolean): boolean => {
    if (name.startsWith('_') || name.startsWith('#')) return true;
    const named = d as ts.NamedDeclaration;
    if (named.name && ts.isPrivateIdentifier(named.name)) return true;
    const flags = ts.getCombinedModifierFlags(d);
    if (has(flags, ts.ModifierFlags.Private)) return true;
    if (protectedCounts && has(flags, ts.ModifierFlags.Protected)) return true;
    return ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal');
  };

  /** The cdk8s/constructs class `type` is (an instance or the constructor of), or extends. */
  const guardedClassOf = (type: ts.Type): ts.Symbol | undefined => {
    const seen = new Set<ts.Type>();
    const visit = (t: ts.Type): ts.Symbol | undefined => {
      if (seen.has(t)) return undefined;
      seen.add(t);
      if (has(t.flags, ts.TypeFlags.TypeParameter)) {
        // `this` in a class, or a type parameter: its constraint.
        const constraint = checker.getBaseConstraintOfType(t);
        return constraint ? visit(constraint) : undefined;
      }
      if (t.isUnionOrIntersection()) {
        for (const u of t.types) {
          const s = visit(u);
          if (s) return s;
        }
        return undefined;
      }
      const sym = t.getSymbol();
      if (sym && has(sym.flags, ts.SymbolFlags.Class) && sym.declarations?.some(isGuardedDecl)) return sym;
      if (t.isClassOrInterface()) {
        for (const base of checker.getBaseTypes(t)) {
          const s = visit(base);
          if (s) return s;
        }
      }
      // The constructor side of a class of ours (`typeof Mine`): its instances' class.
      const construct = t.getConstructSignatures();
      if (construct.length > 0) return visit(construct[0].getReturnType());
      return undefined;
    };
    return visit(checker.getNonNullableType(type));
  };

  /**
   * Whether `name` is a member of `type` usable without reaching into cdk8s: declared by our own
   * code, or public in cdk8s/constructs. Unknown members (hidden runtime fields) are not.
   */
  const isPublicMember = (type: ts.Type, name: string): boolean => {
    const prop = checker.getPropertyOfType(checker.getNonNullableType(type), name);
    const decls = prop?.declarations ?? [];
    if (decls.length === 0) return false;
    return decls.every((d) => !isGuardedDecl(d) || !isNonPublicDecl(d, name, true));
  };

  const isCast = (e: ts.Node): e is ts.AsExpression | ts.TypeAssertion | ts.SatisfiesExpression =>
    ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e);

  /** `e` without parentheses, casts and `!`; whether a cast was removed. */
  const stripCasts = (e: ts.Expression): { inner: ts.Expression; cast: boolean } => {
    let cast = false;
    for (;;) {
      if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) {
        e = e.expression;
      } else if (isCast(e)) {
        cast = true;
        e = e.expression;
      } else {
        return { inner: e, cast };
      }
    }
  };

  /** Whether `decl` is (in) a class of ours that extends the guarded class `base`. */
  const isOwnSubclassMember = (decl: ts.Declaration, base: ts.Symbol): boolean => {
    const cls = ts.isClassLike(decl) ? decl : decl.parent;
    if (!cls || !ts.isClassLike(cls) || isGuardedDecl(cls)) return false;
    const type = checker.getTypeAtLocation(cls);
    return guardedClassOf(type) === base;
  };

  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`${file} is not part of the program`);
    const rel = path.relative(PROJECT_ROOT, sf.fileName);
    const seen = new Set<string>();
    const report = (node: ts.Node, reason: string): void => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      const key = `${line}:${reason}`;
      if (seen.has(key)) return;
      seen.add(key);
      findings.push({ file: rel, line: line + 1, reason, text: sf.text.split('\n')[line].trim() });
    };
    const className = (s: ts.Symbol): string => s.getName();

    const checkMemberAccess = (node: ts.PropertyAccessExpression | ts.ElementAccessExpression, name: string | undefined): void => {
      const { inner, cast } = stripCasts(node.expression);
      const innerType = checker.getTypeAtLocation(inner);
      const cls = guardedClassOf(innerType);
      if (name === undefined) {
        if (cls) report(node, `computed member access on a ${className(cls)} (${packagesOf(cls)})`);
        return;
      }
      const own = innerType.getSymbol();
      if (name === 'prototype' && own && has(own.flags, ts.SymbolFlags.Class) && own.declarations?.some(isGuardedDecl)) {
        report(node, `${className(own)}.prototype: patching or reading a ${packagesOf(own)} class's prototype`);
        return;
      }
      // Direct access to a member cdk8s/constructs declares non-public.
      const prop = checker.getPropertyOfType(checker.getNonNullableType(checker.getTypeAtLocation(node.expression)), name)
        ?? (ts.isPropertyAccessExpression(node) ? checker.getSymbolAtLocation(node.name) : undefined);
      const guardedDecls = prop?.declarations?.filter(isGuardedDecl) ?? [];
      if (guardedDecls.some((d) => isNonPublicDecl(d, name, false))) {
        report(node, `"${name}" is not public API of ${packagesOf(guardedDecls[0])}`);
        return;
      }
      // Through a cast: the member must be public on the object's real class.
      // (A downcast to our own subclass reaches that subclass's members.)
      if (cls && cast && !isPublicMember(innerType, name) && !(prop?.declarations ?? []).some((d) => isOwnSubclassMember(d, cls))) {
        report(node, `"${name}" reached through a cast is not a public member of ${className(cls)} (${packagesOf(cls)})`);
      }
    };

    const checkCast = (node: ts.AsExpression | ts.TypeAssertion | ts.SatisfiesExpression): void => {
      if (isCast(node.parent) || ts.isParenthesizedExpression(node.parent) && isCast(node.parent.parent)) return; // outermost only
      const { inner } = stripCasts(node);
      const innerType = checker.getTypeAtLocation(inner);
      const cls = guardedClassOf(innerType);
      if (!cls) return;
      const target = checker.getTypeAtLocation(node);
      if (has(target.flags, ts.TypeFlags.Any)) {
        report(node, `a ${className(cls)} (${packagesOf(cls)}) cast to any`);
        return;
      }
      for (const p of checker.getPropertiesOfType(target)) {
        const decls = p.declarations ?? [];
        if (decls.length === 0 || decls.every(isGuardedDecl)) continue; // cdk8s's own members, checked on access
        if (decls.some((d) => isOwnSubclassMember(d, cls))) continue; // a downcast to our own subclass
        if (!isPublicMember(innerType, p.getName())) {
          report(node, `cast spells out "${p.getName()}", not a public member of ${className(cls)} (${packagesOf(cls)})`);
        }
      }
    };

    /**
     * The members the expected type `target` spells out that `source` (a guarded class) does not
     * expose publicly; empty when `target` asks only for public members (or is cdk8s's own type).
     */
    const hiddenMembersAskedFor = (target: ts.Type, source: ts.Type, cls: ts.Symbol): string[] => {
      if (has(target.flags, ts.TypeFlags.TypeParameter)) {
        const constraint = checker.getBaseConstraintOfType(target);
        return constraint ? hiddenMembersAskedFor(constraint, source, cls) : [];
      }
      if (target.isUnion()) {
        // A union asks for hidden members only if every alternative (but undefined/null) does.
        const nullish = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void; // eslint-disable-line no-bitwise
        const each = target.types.filter((t) => !has(t.flags, nullish)).map((t) => hiddenMembersAskedFor(t, source, cls));
        return each.every((h) => h.length > 0) ? each[0] : [];
      }
      const hidden: string[] = [];
      for (const p of checker.getPropertiesOfType(target)) {
        const decls = p.declarations ?? [];
        if (decls.length === 0 || decls.every(isGuardedDecl)) continue;
        if (decls.some((d) => isOwnSubclassMember(d, cls))) continue;
        if (!isPublicMember(source, p.getName())) hidden.push(p.getName());
      }
      return hidden;
    };

    /** A guarded object flowing (uncast) into a place whose type spells out its hidden members. */
    const checkConversion = (expr: ts.Expression): void => {
      if (isCast(expr) || ts.isParenthesizedExpression(expr)) return; // casts: checkCast
      const source = checker.getTypeAtLocation(expr);
      const cls = guardedClassOf(source);
      if (!cls) return;
      const target = checker.getContextualType(expr);
      if (!target) return;
      const hidden = hiddenMembersAskedFor(target, source, cls);
      if (hidden.length > 0) {
        report(expr, `a ${className(cls)} (${packagesOf(cls)}) used as a type that spells out "${hidden[0]}", not a public member`);
      }
    };

    const checkReflection = (node: ts.CallExpression): void => {
      const callee = node.expression;
      if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || node.arguments.length === 0) return;
      const owner = callee.expression.text;
      const fn = callee.name.text;
      if (!(owner === 'Reflect' || (owner === 'Object' && REFLECTING_OBJECT_FUNCTIONS.has(fn)) || (owner === 'JSON' && fn === 'stringify'))) return;
      const cls = guardedClassOf(checker.getTypeAtLocation(stripCasts(node.arguments[0]).inner));
      if (cls) report(node, `${owner}.${fn}() on a ${className(cls)} (${packagesOf(cls)}) reaches past its public API`);
    };

    const checkModuleSpecifier = (node: ts.Node, spec: ts.Expression | undefined): void => {
      if (!spec || !ts.isStringLiteralLike(spec)) return;
      for (const p of packages) {
        if (spec.text.startsWith(`${p}/`)) report(node, `deep import "${spec.text}": only "${p}" itself is its exported API`);
      }
    };

    const packagesOf = (x: ts.Symbol | ts.Declaration): string => {
      const decl = 'kind' in x ? x : x.declarations?.[0];
      const m = decl ? guardedPath.exec(decl.getSourceFile().fileName) : null;
      return m ? m[1] : 'cdk8s';
    };

    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) {
        checkMemberAccess(node, node.name.text);
      } else if (ts.isElementAccessExpression(node)) {
        const arg = node.argumentExpression;
        checkMemberAccess(node, ts.isStringLiteralLike(arg) || ts.isNumericLiteral(arg) ? arg.text : undefined);
      } else if (isCast(node)) {
        checkCast(node);
      } else if (ts.isCallExpression(node)) {
        checkReflection(node);
        node.arguments.forEach(checkConversion);
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword
          || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) {
          checkModuleSpecifier(node, node.arguments[0]);
        }
      } else if (ts.isNewExpression(node)) {
        node.arguments?.forEach(checkConversion);
      } else if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isParameter(node)) && node.initializer) {
        checkConversion(node.initializer);
      } else if (ts.isPropertyAssignment(node)) {
        checkConversion(node.initializer);
      } else if (ts.isShorthandPropertyAssignment(node)) {
        checkConversion(node.name);
      } else if (ts.isReturnStatement(node) && node.expression) {
        checkConversion(node.expression);
      } else if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) {
        checkConversion(node.body);
      } else if (ts.isArrayLiteralExpression(node)) {
        node.elements.forEach((e) => checkConversion(ts.isSpreadElement(e) ? e.expression : e));
      } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        checkConversion(node.right);
      } else if (ts.isForInStatement(node)) {
        const cls = guardedClassOf(checker.getTypeAtLocation(stripCasts(node.expression).inner));
        if (cls) report(node, `for…in over a ${className(cls)} (${packagesOf(cls)}) enumerates its internals`);
      } else if (ts.isSpreadAssignment(node)) {
        const cls = guardedClassOf(checker.getTypeAtLocation(stripCasts(node.expression).inner));
        if (cls) report(node, `spreading a ${className(cls)} (${packagesOf(cls)}) copies its internals`);
      } else if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
        checkModuleSpecifier(node, node.moduleSpecifier);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
        checkModuleSpecifier(node, node.moduleReference.expression);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        checkModuleSpecifier(node, node.argument.literal as ts.Expression);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return findings;
}

/** A finding as one line: `file:line: reason: text`. */
export function formatBoundaryFinding(f: BoundaryFinding): string {
  return `${f.file}:${f.line}: ${f.reason}: ${f.text}`;
}
