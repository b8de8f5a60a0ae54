// Package-shape tests (Node only).
//  (a) The universal entry (src/index.ts) never reaches a `node:` import or a Node builtin,
//      following the static relative-import graph of the TypeScript sources.
//  (b) The built package (`npm run build`, which `npm test` runs before vitest) loads through
//      its own `exports` map: `import('sluice')` and `import('sluice/node')`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const rel = (file: string): string => relative(root, file);

interface ModuleRef {
  specifier: string;
  /** How the reference was found, for error messages. */
  kind: 'import' | 'export' | 'dynamic-import' | 'require' | 'new-url';
}

/**
 * Runtime module references of one source file. Type-only imports/exports are skipped because
 * they are erased from the emitted JavaScript.
 */
function moduleRefs(fileName: string, source: string): ModuleRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const refs: ModuleRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      // `import {} from 'x'` and `import 'x'` still load the module.
      if (!typeOnly) refs.push({ specifier: node.moduleSpecifier.text, kind: 'import' });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) refs.push({ specifier: node.moduleSpecifier.text, kind: 'export' });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      !node.isTypeOnly &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      refs.push({ specifier: node.moduleReference.expression.text, kind: 'require' });
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) {
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
          refs.push({ specifier: arg.text, kind: 'dynamic-import' });
        } else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') {
          refs.push({ specifier: arg.text, kind: 'require' });
        }
      }
    } else if (
      // new URL('./worker', import.meta.url): worker / asset references are bundled too.
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments !== undefined &&
      node.arguments.length === 2
    ) {
      const [arg, base] = node.arguments;
      if (
        arg !== undefined &&
        base !== undefined &&
        ts.isStringLiteralLike(arg) &&
        base.getText(sf).replace(/\s/g, '') === 'import.meta.url'
      ) {
        refs.push({ specifier: arg.text, kind: 'new-url' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** True for `node:*` and for bare Node builtins such as `fs`, `path/posix`, `worker_threads`. */
function isNodeBuiltinSpecifier(specifier: string): boolean {
  return specifier.startsWith('node:') || isBuiltin(specifier);
}

const CODE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs'];

/**
 * Resolves a relative specifier the way `moduleResolution: Bundler` does for our sources:
 * exact file, extensionless -> .ts/.tsx/.mts, `.js` written for a `.ts` file, or a directory
 * index. Returns undefined when nothing matches. Vite query suffixes (`?url`, `?worker`) are
 * stripped first.
 */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const bare = specifier.replace(/[?#].*$/, '');
  const base = resolve(dirname(fromFile), bare);
  const candidates = [base];
  for (const ext of ['.ts', '.tsx', '.mts']) candidates.push(base + ext);
  const jsMatch = /\.(m|c)?js$/.exec(base);
  if (jsMatch) {
    const stem = base.slice(0, -jsMatch[0].length);
    candidates.push(`${stem}.${jsMatch[1] ?? ''}ts`, `${stem}.tsx`);
  }
  for (const ext of ['.ts', '.tsx', '.mts']) candidates.push(join(base, `index${ext}`));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

interface Violation {
  file: string;
  specifier: string;
  kind: ModuleRef['kind'];
  chain: string[];
}

interface GraphResult {
  visited: string[];
  violations: Violation[];
  unresolved: { file: string; specifier: string }[];
}

/** Walks the static relative-import graph from `entry`, recording Node-builtin references. */
function walkGraph(entry: string): GraphResult {
  const parentOf = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  const violations: Violation[] = [];
  const unresolved: { file: string; specifier: string }[] = [];
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let f: string | undefined = file; f !== undefined; f = parentOf.get(f)) chain.unshift(rel(f));
    return chain;
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (!CODE_EXTENSIONS.some((ext) => file.endsWith(ext))) continue; // assets (.wasm, …)
    for (const ref of moduleRefs(file, readFileSync(file, 'utf8'))) {
      const { specifier } = ref;
      if (isNodeBuiltinSpecifier(specifier)) {
        violations.push({ file: rel(file), specifier, kind: ref.kind, chain: chainTo(file) });
        continue;
      }
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue; // npm package
      const target = resolveRelative(file, specifier);
      if (target === undefined) {
        // A missing asset (e.g. a wasm file produced by a separate build step) is tolerated;
        // a missing code module is not.
        const bare = specifier.replace(/[?#].*$/, '');
        const looksLikeCode = !/\.[a-z0-9]+$/i.test(bare) || CODE_EXTENSIONS.some((e) => bare.endsWith(e));
        if (looksLikeCode) unresolved.push({ file: rel(file), specifier });
        continue;
      }
      if (!parentOf.has(target)) {
        parentOf.set(target, file);
        queue.push(target);
      }
    }
  }
  return { visited: [...parentOf.keys()].map(rel), violations, unresolved };
}

const formatViolations = (violations: Violation[]): string =>
  violations
    .map((v) => `  ${v.file}: ${v.kind} '${v.specifier}'\n    via ${v.chain.join(' -> ')}`)
    .join('\n');

describe('import-graph checker (self-test)', () => {
  it('finds runtime references and skips type-only ones', () => {
    const src = [
      `import fs from 'node:fs';`,
      `import { join } from 'path';`,
      `import type { Worker } from 'node:worker_threads';`,
      `import { type Stats } from 'node:fs';`,
      `export type { Readable } from 'node:stream';`,
      `export * from './a';`,
      `import './side-effect';`,
      `const w = () => import('node:worker_threads');`,
      `const u = new URL('./worker', import.meta.url);`,
      `const r = require('os');`,
    ].join('\n');
    expect(moduleRefs('x.ts', src).map((r) => `${r.kind}:${r.specifier}`)).toEqual([
      'import:node:fs',
      'import:path',
      'export:./a',
      'import:./side-effect',
      'dynamic-import:node:worker_threads',
      'new-url:./worker',
      'require:os',
    ]);
  });

  it('classifies Node builtins', () => {
    for (const s of ['node:fs', 'fs', 'fs/promises', 'path', 'worker_threads', 'node:test', 'os'])
      expect(isNodeBuiltinSpecifier(s), s).toBe(true);
    for (const s of ['rxjs', 'comlink', 'idb', './fs', '../path', 'idb/with-async-ittr'])
      expect(isNodeBuiltinSpecifier(s), s).toBe(false);
  });
  it('walks extensionless, .js-suffixed, directory-index and new URL() references', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-graph-'));
    try {
      const put = (name: string, text: string): void => {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      };
      put('index.ts', `export * from './a';\nexport type { T } from './types-only';`);
      put('a.ts', `import { b } from './b';\nexport const a = b;\nnew URL('./w', import.meta.url);`);
      put('b/index.ts', `export { c as b } from '../c.js';`);
      put('c.ts', `import { readFileSync } from 'node:fs';\nexport const c = readFileSync;`);
      put('w.ts', `import { parentPort } from 'worker_threads';\nexport {};`);
      put('types-only.ts', `import 'node:path';\nexport type T = number;`);
      const { visited, violations, unresolved } = walkGraph(join(dir, 'index.ts'));
      expect(unresolved).toEqual([]);
      expect(visited.map((f) => relative(dir, join(root, f))).sort()).toEqual(
        ['a.ts', 'b/index.ts', 'c.ts', 'index.ts', 'w.ts'].sort(),
      );
      expect(violations.map((v) => v.specifier).sort()).toEqual(['node:fs', 'worker_threads']);
      const fsViolation = violations.find((v) => v.specifier === 'node:fs')!;
      expect(fsViolation.chain.map((f) => relative(dir, join(root, f)))).toEqual([
        'index.ts',
        'a.ts',
        'b/index.ts',
        'c.ts',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('universal entry (src/index.ts)', () => {
  // Parses every module of the core graph: seconds on a loaded machine.
  it('never reaches a node: import or a Node builtin', { timeout: 30_000 }, () => {
    const entry = join(root, 'src/index.ts');
    expect(existsSync(entry), 'src/index.ts must exist').toBe(true);
    const { visited, violations, unresolved } = walkGraph(entry);
    expect(visited).toContain('src/index.ts');
    expect(
      unresolved,
      `unresolvable relative imports reachable from src/index.ts:\n${JSON.stringify(unresolved, null, 2)}`,
    ).toEqual([]);
    expect(
      violations,
      `src/index.ts must not reach Node builtins; move these behind the 'sluice/node' entry:\n` +
        formatViolations(violations),
    ).toEqual([]);
  });
});

describe('built package (dist/)', () => {
  const dist = join(root, 'dist');
  const requireBuilt = (file: string): void => {
    if (!existsSync(join(dist, file))) {
      throw new Error(
        `dist/${file} is missing: run \`npm run build\` before these tests ` +
          '(`npm test` builds first; a bare `vitest run` does not).',
      );
    }
  };

  it('has the entry bundles and declaration files', () => {
    for (const f of ['index.js', 'node.js', 'types/index.d.ts', 'types/node/index.d.ts']) requireBuilt(f);
  });

  it('dist/index.js does not import Node builtins (including through shared chunks)', () => {
    requireBuilt('index.js');
    const seen = new Set<string>();
    const queue = [join(dist, 'index.js')];
    const bad: string[] = [];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const ref of moduleRefs(file, readFileSync(file, 'utf8'))) {
        if (ref.kind === 'new-url') continue; // emitted assets / worker chunks are checked by (a)
        if (isNodeBuiltinSpecifier(ref.specifier)) bad.push(`${rel(file)}: ${ref.kind} '${ref.specifier}'`);
        else if (ref.specifier.startsWith('./') || ref.specifier.startsWith('../')) {
          const target = resolve(dirname(file), ref.specifier);
          if (existsSync(target)) queue.push(target);
        }
      }
    }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it.each(['sluice', 'sluice/node'])('`import(%j)` loads through package.json exports', (spec) => {
    requireBuilt('index.js');
    requireBuilt('node.js');
    const script =
      `import(${JSON.stringify(spec)}).then(` +
      `(m) => { process.stdout.write(JSON.stringify(Object.keys(m))); }, ` +
      `(e) => { console.error(e); process.exit(1); })`;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`node failed to import ${spec}:\n${e.stderr ?? e.message}`);
    }
    const keys = JSON.parse(out) as string[];
    expect(keys.length, `${spec} should have at least one export`).toBeGreaterThan(0);
  });
});
