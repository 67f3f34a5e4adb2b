/**
 * Definitions of one parsed file as plain data (so the tree can be deleted at once):
 * query matches -> named definitions with their full ranges (wrappers such as `export`,
 * decorators and templates, plus adjacent leading comments/attributes) and nesting.
 */
import type { Node, Query, Tree } from 'web-tree-sitter';
import type { ChunkKind } from '../types.js';
import type { LanguageSpec } from './languages.js';

export interface Definition {
  name: string;
  kind: ChunkKind;
  /** Range of the definition with wrappers and glued leading comments/attributes. */
  start: number;
  end: number;
  /** Range of the outermost wrapper (no leading comments); used for nesting. */
  outerStart: number;
  outerEnd: number;
  /** 0-based row where the definition node itself starts (after decorators/comments). */
  nodeRow: number;
  /** 0-based row on which the header ends (body opens; Python: docstring ends), or -1 when there is no body. */
  bodyRow: number;
  /** Receiver / owner named outside the definition (Go methods), used as parent at top level. */
  owner: string | null;
  /**
   * True for a top-level statement that is not a definition but contains some (an object
   * literal of functions, a `describe(...)` call, an IIFE, an `if` block). It is split
   * into its definitions only when larger than the class size limit; otherwise it is code.
   */
  synthetic?: boolean;
  children: Definition[];
}

/** Kinds that hold members and may be split into header + members + tail. */
export const CONTAINER_KINDS: ReadonlySet<ChunkKind> = new Set<ChunkKind>([
  'class',
  'struct',
  'interface',
  'impl',
  'trait',
  'enum',
  'module',
  'namespace',
]);
/** A function directly inside one of these is a method (functions in modules/namespaces stay functions). */
const METHOD_OWNERS: ReadonlySet<ChunkKind> = new Set<ChunkKind>(
  [...CONTAINER_KINDS].filter((k) => k !== 'module' && k !== 'namespace'),
);

const KIND_ALIASES = new Map<string, ChunkKind>([
  ['constructor', 'method'],
  ['macro', 'function'],
]);

const C_NAME_TYPES = new Set([
  'identifier',
  'field_identifier',
  'qualified_identifier',
  'destructor_name',
  'operator_name',
  'template_function',
  'type_identifier',
  'operator_cast',
  'template_method',
]);

function cDeclaratorName(n: Node | null): string {
  for (let i = 0; n && i < 12; i++) {
    if (C_NAME_TYPES.has(n.type)) return n.text;
    n = n.childForFieldName('declarator') ?? (n.namedChildCount > 0 ? n.namedChild(n.namedChildCount - 1) : null);
  }
  return '<anonymous>';
}

function cleanName(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 100 ? `${one.slice(0, 99)}…` : one || '<anonymous>';
}

const BODY_PATH_FIELDS = ['declaration', 'value', 'right', 'type', 'definition'];
const BODY_TYPES = new Set([
  'class_body',
  'function_body',
  'enum_class_body',
  'declaration_list',
  'field_declaration_list',
  'block',
  'compound_statement',
  'body_statement',
  'statement_block',
  'interface_body',
  'enum_body',
  'object_type',
  'enumerator_list',
  'enum_variant_list',
  'enum_member_declaration_list',
]);
const UNWRAP_FIRST_CHILD = new Set([
  'lexical_declaration',
  'variable_declaration',
  'expression_statement',
  'variable_declarator',
  'assignment_expression',
]);

function findBody(n: Node, depth: number): Node | null {
  const b = n.childForFieldName('body');
  if (b) return b;
  if (depth >= 4) return null;
  for (const f of BODY_PATH_FIELDS) {
    const c = n.childForFieldName(f);
    if (c) {
      const r = findBody(c, depth + 1);
      if (r) return r;
    }
  }
  const count = Math.min(n.namedChildCount, 12);
  for (let i = 0; i < count; i++) {
    const c = n.namedChild(i);
    if (!c) continue;
    if (BODY_TYPES.has(c.type)) return c;
  }
  if (UNWRAP_FIRST_CHILD.has(n.type)) {
    for (let i = 0; i < count; i++) {
      const c = n.namedChild(i);
      if (c && UNWRAP_FIRST_CHILD.has(c.type)) return findBody(c, depth + 1);
      if (c && (c.type === 'arrow_function' || c.type === 'function_expression' || c.type === 'class'))
        return findBody(c, depth + 1);
    }
  }
  return null;
}

/**
 * Row where the header ends: the line on which the body opens (`{`, `:`, `=>`, `do`), or
 * for Python the end of the docstring that opens the body.
 */
function headerEndRow(lang: LanguageSpec, def: Node): number {
  const body = findBody(def, 0);
  if (!body) return -1;
  if (lang.id === 'python') {
    const first = body.namedChild(0);
    if (
      first &&
      first.type === 'expression_statement' &&
      first.namedChildCount === 1 &&
      first.namedChild(0)?.type === 'string'
    ) {
      return first.endPosition.row;
    }
  }
  const first = body.child(0);
  if (first && (first.type === '{' || first.type === 'do' || first.type === ':')) return first.startPosition.row;
  let prev = body.previousSibling;
  while (prev && prev.type.includes('comment')) prev = prev.previousSibling;
  return prev ? prev.endPosition.row : body.startPosition.row;
}

function nameOf(lang: LanguageSpec, def: Node, nameNode: Node | null, declNode: Node | null): string {
  if (declNode) return cleanName(cDeclaratorName(declNode));
  if (!nameNode) return '<anonymous>';
  if (lang.id === 'rust' && def.type === 'impl_item') {
    const tr = def.childForFieldName('trait');
    return cleanName(tr ? `${tr.text} for ${nameNode.text}` : nameNode.text);
  }
  return cleanName(nameNode.text);
}

/** Go method receiver type name: `(s *Server[T])` -> `Server`. */
function goReceiverType(def: Node): string | null {
  const recv = def.childForFieldName('receiver');
  if (!recv) return null;
  const m = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\)\s*$/.exec(recv.text);
  return m ? m[1] : null;
}

function isLineStartBefore(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

interface RawDef {
  pattern: number;
  def: Node;
  kind: string;
  nameNode: Node | null;
  declNode: Node | null;
  start: number;
  end: number;
  children: RawDef[];
}

/** Extends the definition over wrappers and adjacent leading comments/attributes. */
function expand(lang: LanguageSpec, text: string, node: Node): { top: Node; start: number } {
  let top = node;
  for (let i = 0; i < 8; i++) {
    const p = top.parent;
    if (!p) break;
    if (lang.wrappers.includes(p.type)) {
      top = p;
      continue;
    }
    if (lang.id === 'go' && p.type === 'type_declaration' && p.namedChildCount === 1) {
      top = p;
      continue;
    }
    break;
  }
  let start = top.startIndex;
  let startRow = top.startPosition.row;
  let prev = top.previousNamedSibling;
  // First statement of a body node that starts with it (Ruby `body_statement`): the
  // comments above sit before the body node.
  for (let p = top.parent; !prev && p && p.startIndex === top.startIndex && p.parent; p = p.parent)
    prev = p.previousNamedSibling;
  // Glue comments/attributes/decorators that sit directly above (no blank line) and begin their line.
  for (let i = 0; prev && i < 200; i++) {
    if (!lang.leading.includes(prev.type)) break;
    // Doc blocks (`/** ... */`) may sit one blank line above; other comments must touch.
    const gap = startRow - prev.endPosition.row;
    if (gap > 2 || (gap === 2 && !(prev.startPosition.row > 0 && text.startsWith('/**', prev.startIndex)))) break;
    if (!isLineStartBefore(text, prev.startIndex)) break;
    start = prev.startIndex;
    startRow = prev.startPosition.row;
    prev = prev.previousNamedSibling;
  }
  return { top, start };
}

export interface ExtractResult {
  definitions: Definition[];
  timedOut: boolean;
}

/** Runs the definition query and returns the top-level definitions with nested children. */
export function extractDefinitions(
  lang: LanguageSpec,
  query: Query,
  tree: Tree,
  text: string,
  deadline: number,
): ExtractResult {
  let timedOut = false;
  const matches = query.matches(tree.rootNode, {
    progressCallback: (() => {
      if (performance.now() > deadline) timedOut = true;
      return timedOut;
    }) as unknown as () => void,
  });
  if (timedOut) return { definitions: [], timedOut };

  const byNode = new Map<number, RawDef>();
  for (const m of matches) {
    let def: Node | null = null;
    let kind = '';
    let nameNode: Node | null = null;
    let declNode: Node | null = null;
    for (const c of m.captures) {
      if (c.name.startsWith('definition.')) {
        def = c.node;
        kind = c.name.slice(11);
      } else if (c.name === 'name') nameNode = c.node;
      else if (c.name === 'decl') declNode = c.node;
    }
    if (!def || def.isMissing || def.type === 'ERROR' || def.endIndex <= def.startIndex) continue;
    const prev = byNode.get(def.id);
    if (prev && prev.pattern <= m.patternIndex) continue;
    byNode.set(def.id, {
      pattern: m.patternIndex,
      def,
      kind,
      nameNode,
      declNode,
      start: def.startIndex,
      end: def.endIndex,
      children: [],
    });
  }

  // Nest by the definition nodes' own ranges (cheap: no parent walks, which cost O(depth)
  // each in tree-sitter). Only definitions reachable through containers are processed
  // further, so definitions nested in functions cost nothing (deeply nested code).
  const sorted = [...byNode.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  const rawRoots: RawDef[] = [];
  const stack: RawDef[] = [];
  for (const d of sorted) {
    while (stack.length > 0 && stack[stack.length - 1].end < d.end) stack.pop();
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    if (parent) parent.children.push(d);
    else rawRoots.push(d);
    stack.push(d);
  }

  const build = (d: RawDef, parent: Definition | null): Definition => {
    const { top, start } = expand(lang, text, d.def);
    let kind = KIND_ALIASES.get(d.kind) ?? (d.kind as ChunkKind);
    const name = nameOf(lang, d.def, d.nameNode, d.declNode);
    if (kind === 'function' && parent && METHOD_OWNERS.has(parent.kind)) kind = 'method';
    if (kind === 'method' && lang.id === 'ruby' && !parent) kind = 'function';
    if (kind === 'class' && lang.id === 'kotlin' && d.def.children.some((c) => c?.type === 'interface'))
      kind = 'interface';
    if (kind === 'function' && (lang.id === 'cpp' || lang.id === 'c') && name.includes('::')) kind = 'method';
    const def: Definition = {
      name,
      kind,
      start,
      end: top.endIndex,
      outerStart: top.startIndex,
      outerEnd: top.endIndex,
      nodeRow: d.def.startPosition.row,
      bodyRow: headerEndRow(lang, d.def),
      owner: lang.id === 'go' && d.def.type === 'method_declaration' ? goReceiverType(d.def) : null,
      children: [],
    };
    if (CONTAINER_KINDS.has(kind)) {
      for (const c of d.children) {
        const child = build(c, def);
        // A wrapper shared with the parent (e.g. `typedef struct {...} T;`) is not a member.
        if (child.outerStart === def.outerStart && child.outerEnd === def.outerEnd) continue;
        def.children.push(child);
      }
    }
    return def;
  };

  // Top-level statements, to find definitions that sit inside a non-definition statement.
  const root = tree.rootNode;
  const stmts: Array<[number, number]> = [];
  for (let i = 0, n = root.childCount; i < n; i++) {
    const c = root.child(i);
    if (c) stmts.push([c.startIndex, c.endIndex]);
  }
  const statementOf = (offset: number): [number, number] | null => {
    let lo = 0;
    let hi = stmts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (stmts[mid][1] <= offset) lo = mid + 1;
      else if (stmts[mid][0] > offset) hi = mid - 1;
      else return stmts[mid];
    }
    return null;
  };

  const roots: Definition[] = [];
  const holders = new Map<string, Definition>();
  for (const r of rawRoots) {
    const def = build(r, null);
    const stmt = statementOf(def.outerStart);
    if (!stmt || (stmt[0] === def.outerStart && stmt[1] === def.outerEnd) || stmt[1] < def.outerEnd) {
      roots.push(def);
      continue;
    }
    const key = `${stmt[0]}:${stmt[1]}`;
    let holder = holders.get(key);
    if (!holder) {
      holder = {
        name: '',
        kind: 'code',
        start: stmt[0],
        end: stmt[1],
        outerStart: stmt[0],
        outerEnd: stmt[1],
        nodeRow: -1,
        bodyRow: -1,
        owner: null,
        children: [],
        synthetic: true,
      };
      holders.set(key, holder);
      roots.push(holder);
    }
    holder.children.push(def);
  }
  mergeOverloads(roots, text);
  return { definitions: roots, timedOut: false };
}

/**
 * Bodiless signatures directly above a definition of the same name (TypeScript overloads,
 * abstract declarations) join that definition's chunk.
 */
function mergeOverloads(list: Definition[], text: string): void {
  for (let i = list.length - 1; i > 0; i--) {
    const prev = list[i - 1];
    const d = list[i];
    if (prev.synthetic || d.synthetic || prev.name !== d.name || prev.bodyRow !== -1 || prev.children.length > 0)
      continue;
    if (prev.kind !== 'function' && prev.kind !== 'method') continue;
    const between = text.slice(prev.end, d.start);
    if (between.trim() !== '' || between.split('\n').length > 2) continue;
    d.start = prev.start;
    list.splice(i - 1, 1);
  }
  for (const d of list) if (d.children.length > 0) mergeOverloads(d.children, text);
}
