import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';

// Import directions in src/ (README "Architecture"): the pure core (decide/, redact/) depends only on
// itself and the typed API; the reconcilers in controllers/ are reached only from the composition roots;
// api/ is the leaf every folder shares. Every import is parsed (static `from '...'`, side-effect
// `import '...'` and dynamic `import('...')`, type-only imports included: a type import is a direction too).

/**
 * TEMPORARY: violations that exist today and are being removed (issue 9, "Ports in one place").
 * Each entry is `<importing file> -> <imported module>` exactly as the test prints it. Empty this list as
 * the imports are fixed; the test also fails when a listed violation no longer exists, so it cannot rot.
 */
const KNOWN_VIOLATIONS_TO_REMOVE: readonly string[] = [];

const SRC = 'src';
/** The only files that wire controllers to adapters. */
const COMPOSITION_ROOTS = ['src/main.ts', 'src/operator.ts'];
/** Folders of the pure core, and what they may import from src/. */
const PURE_FOLDERS = ['src/decide/', 'src/redact/'];
const PURE_MAY_IMPORT = ['src/decide/', 'src/redact/', 'src/api/'];
/** What the ports (interfaces the adapters implement) may import from src/. */
const PORTS_MAY_IMPORT = ['src/api/', 'src/decide/', 'src/ports/'];
/** Node built-ins without I/O that the pure core may use (no fs, net, http, child_process, os, timers...). */
const PURE_BUILTINS = ['assert', 'buffer', 'crypto', 'path', 'querystring', 'string_decoder', 'url', 'util'];
/**
 * Named imports of otherwise impure built-ins that the pure core may use: node:net's address checks (string
 * tests, no sockets), and node:module's createRequire to load a data-only package listed in PURE_PACKAGES
 * (a JSON package, which an ES module cannot import without import attributes).
 */
const PURE_NAMED_IMPORTS: Record<string, readonly string[]> = { net: ['isIP', 'isIPv4', 'isIPv6'], module: ['createRequire'] };
/** npm packages that are data only (no I/O), allowed in the pure core. */
const PURE_PACKAGES = ['an-array-of-english-words'];

export interface ImportRef {
  /** The specifier as written, e.g. `../controllers/caches.js` or `node:net`. */
  specifier: string;
  /** Names imported with `import { a, type b as c } from`, when written that way. */
  names: string[];
}

/** Every module specifier a TypeScript source imports or re-exports. */
export function importsOf(source: string): ImportRef[] {
  const refs: ImportRef[] = [];
  // `import ... from 'x'` and `export ... from 'x'` (possibly across lines), `import 'x'`, `import('x')`.
  const fromRe = /\b(import|export)\s+(?:type\s+)?([^'";]*?)\s*\bfrom\s*['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(fromRe)) {
    const clause = m[2] ?? '';
    const braces = /\{([^}]*)\}/.exec(clause);
    const names = braces?.[1]
      ? braces[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]?.trim() ?? '').filter(Boolean)
      : [];
    refs.push({ specifier: m[3] ?? '', names: clause.trim().startsWith('{') ? names : [...names, '*'] });
  }
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) refs.push({ specifier: m[1] ?? '', names: ['*'] });
  for (const m of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) refs.push({ specifier: m[1] ?? '', names: ['*'] });
  return refs;
}

/** What an import points at: a repository path (`src/x/y.ts`), a node built-in or an npm package. */
export type Target = { kind: 'file'; path: string } | { kind: 'builtin'; name: string } | { kind: 'package'; name: string };

export function resolveTarget(fromFile: string, specifier: string): Target {
  if (specifier.startsWith('.')) {
    const path = normalize(join(dirname(fromFile), specifier)).replace(/\\/g, '/').replace(/\.js$/, '.ts');
    return { kind: 'file', path };
  }
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:') || builtinModules.includes(bare)) return { kind: 'builtin', name: bare.split('/')[0] ?? bare };
  const parts = specifier.split('/');
  return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier) };
}

const describeTarget = (t: Target): string => (t.kind === 'file' ? t.path : t.kind === 'builtin' ? `node:${t.name}` : t.name);

/** Why `file` must not import `ref`, or undefined when the direction is allowed. */
export function forbiddenBecause(file: string, ref: ImportRef, target: Target): string | undefined {
  if (PURE_FOLDERS.some((f) => file.startsWith(f))) {
    if (target.kind === 'file' && !PURE_MAY_IMPORT.some((f) => target.path.startsWith(f))) {
      return 'decide/ and redact/ are pure: they import only decide/, redact/ and api/';
    }
    if (target.kind === 'builtin' && !PURE_BUILTINS.includes(target.name)) {
      const pureNames = PURE_NAMED_IMPORTS[target.name];
      const onlyPure = pureNames !== undefined && ref.names.length > 0 && ref.names.every((n) => pureNames.includes(n));
      if (!onlyPure) return `decide/ and redact/ are pure: no I/O built-in (node:${target.name})`;
    }
    if (target.kind === 'package' && !PURE_PACKAGES.includes(target.name)) {
      return `decide/ and redact/ are pure: no adapter package (${target.name})`;
    }
  }
  if (file.startsWith('src/api/') && target.kind === 'file' && !target.path.startsWith('src/api/')) {
    return 'api/ is the shared leaf: it imports only api/';
  }
  if (file.startsWith('src/ports/') && target.kind === 'file' && !PORTS_MAY_IMPORT.some((f) => target.path.startsWith(f))) {
    return 'ports/ are interfaces: they import only api/, decide/ and ports/';
  }
  if (target.kind === 'file' && !target.path.startsWith('src/')) {
    return 'src/ never imports tests, benchmarks or scripts';
  }
  if (target.kind === 'file' && target.path.startsWith('src/controllers/') && !file.startsWith('src/controllers/') && !COMPOSITION_ROOTS.includes(file)) {
    return 'only the composition roots (src/main.ts, src/operator.ts) import controllers/; adapters import ports';
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return /\.(ts|mts|cts)$/.test(name) ? [path.replace(/\\/g, '/')] : [];
    });
}

interface Violation {
  key: string;
  why: string;
}

function violationsIn(root: string): Violation[] {
  const found = new Map<string, string>();
  for (const file of sourceFiles(root)) {
    const rel = relative('.', file).replace(/\\/g, '/');
    for (const ref of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveTarget(rel, ref.specifier);
      const why = forbiddenBecause(rel, ref, target);
      if (why !== undefined) found.set(`${rel} -> ${describeTarget(target)}`, why);
    }
  }
  return [...found].map(([key, why]) => ({ key, why }));
}

describe('architecture/import-directions', () => {
  const violations = violationsIn(SRC);

  it('parses imports in src/ (sanity: the walker sees the composition root wiring controllers)', () => {
    const refs = importsOf(readFileSync('src/operator.ts', 'utf8')).map((r) => resolveTarget('src/operator.ts', r.specifier));
    expect(refs.some((t) => t.kind === 'file' && t.path.startsWith('src/controllers/'))).to.equal(true);
  });

  it('no forbidden import direction in src/ (beyond the temporary allow-list)', () => {
    const unexpected = violations.filter((v) => !KNOWN_VIOLATIONS_TO_REMOVE.includes(v.key));
    const lines = unexpected.map((v) => `${v.key}\n      (${v.why})`);
    expect(unexpected.length, `forbidden imports:\n    ${lines.join('\n    ')}\n`).to.equal(0);
  });

  it('every allow-listed violation still exists (remove fixed ones from KNOWN_VIOLATIONS_TO_REMOVE)', () => {
    const present = new Set(violations.map((v) => v.key));
    const gone = KNOWN_VIOLATIONS_TO_REMOVE.filter((k) => !present.has(k));
    expect(gone.length, `fixed, remove from KNOWN_VIOLATIONS_TO_REMOVE:\n    ${gone.join('\n    ')}\n`).to.equal(0);
  });

  describe('the rules themselves', () => {
    const check = (file: string, source: string): string[] =>
      importsOf(source).flatMap((ref) => {
        const why = forbiddenBecause(file, ref, resolveTarget(file, ref.specifier));
        return why === undefined ? [] : [describeTarget(resolveTarget(file, ref.specifier))];
      });
    const cases: { name: string; file: string; source: string; forbidden: string[] }[] = [
      { name: 'decide/ may import decide/, redact/ and api/', file: 'src/decide/a.ts', source: "import { b } from './b.js';\nimport type { P } from '../api/incident.js';\nimport { r } from '../redact/phi.js';", forbidden: [] },
      { name: 'decide/ must not import an adapter folder', file: 'src/decide/a.ts', source: "import type { X } from '../kube/clients.js';", forbidden: ['src/kube/clients.ts'] },
      { name: 'decide/ must not import runtime/ (multi-line import)', file: 'src/decide/a.ts', source: 'import {\n  a,\n  b,\n} from "../runtime/clock.js";', forbidden: ['src/runtime/clock.ts'] },
      { name: 'redact/ must not read files', file: 'src/redact/a.ts', source: "import { readFileSync } from 'node:fs';\nimport * as http from 'http';", forbidden: ['node:fs', 'node:http'] },
      { name: 'redact/ may use pure built-ins', file: 'src/redact/a.ts', source: "import { createHash } from 'node:crypto';\nimport { isIPv6 } from 'node:net';", forbidden: [] },
      { name: 'but not sockets from node:net', file: 'src/redact/a.ts', source: "import { isIPv6, connect } from 'node:net';\nimport net from 'node:net';", forbidden: ['node:net', 'node:net'] },
      { name: 'decide/ must not import client-node or pg', file: 'src/decide/a.ts', source: "import * as k8s from '@kubernetes/client-node';\nimport pg from 'pg';", forbidden: ['@kubernetes/client-node', 'pg'] },
      { name: 'dynamic import counts', file: 'src/decide/a.ts', source: "type C = import('../controllers/caches.js').Caches;", forbidden: ['src/controllers/caches.ts'] },
      { name: 'an adapter must not import controllers/', file: 'src/remediate/r.ts', source: "import type { Remediator } from '../controllers/incident-reconciler.js';", forbidden: ['src/controllers/incident-reconciler.ts'] },
      { name: 're-exports count', file: 'src/escalate/e.ts', source: "export { Caches } from '../controllers/caches.js';", forbidden: ['src/controllers/caches.ts'] },
      { name: 'controllers/ may import itself', file: 'src/controllers/a.ts', source: "import { b } from './caches.js';", forbidden: [] },
      { name: 'composition roots may import controllers/', file: 'src/operator.ts', source: "import { IncidentReconciler } from './controllers/incident-reconciler.js';", forbidden: [] },
      { name: 'ports/ import only api/, decide/ and ports/', file: 'src/ports/p.ts', source: "import type { I } from '../api/incident.js';\nimport type { K } from '../decide/kube-types.js';\nimport type { C } from './caches.js';\nimport { Informer } from '../runtime/resilient-informer.js';", forbidden: ['src/runtime/resilient-informer.ts'] },
      { name: 'src/ never imports tests', file: 'src/kube/k.ts', source: "import { fake } from '../../test/harness/cluster.js';", forbidden: ['test/harness/cluster.ts'] },
      { name: 'api/ imports only api/', file: 'src/api/a.ts', source: "import type { P } from './pod-health.js';\nimport type { K } from '../decide/kube-types.js';", forbidden: ['src/decide/kube-types.ts'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(check(c.file, c.source)).to.deep.equal(c.forbidden);
      });
    }
  });
});
