/**
 * The last run's results where the code is: gutter marks and backgrounds on the chunks of
 * every open source editor (kept / partial with the dropped lines dimmed / dropped), a
 * CodeLens per ranked chunk ("rank 3 of 42 · kept 12/40 lines · relevance 71" and "why?"),
 * and a hover that says why, in words. Follows editors as they open, scroll and change;
 * clears when the run is discarded; `contextzip.inline.enabled` turns it all on and off.
 */
import * as vscode from 'vscode';
import { compareWithKept, explainRun, lensTitle, type RunExplanation } from '../compress/explain.js';
import { fmt } from '../compress/format.js';
import type { CompressionRun, RunStore } from '../compress/runStore.js';
import { escapeMd } from '../model/statusBar.js';
import { applyLineEdits, chunkAtLine, lineFates, placeChunks, type LineFate, type PlacedChunk } from './chunkLines.js';

export const INLINE_SETTING = 'inline.enabled';

interface FileState {
  run: CompressionRun;
  explanation: RunExplanation;
  chunks: PlacedChunk[];
  /** Version of the document the lines refer to; edits since then were applied to `chunks`. */
  edited: boolean;
}

/** What was last handed to `setDecorations` per document (1-based inclusive lines), for tests. */
export type AppliedDecorations = Record<LineFate, Array<[number, number]>>;

export class InlineResults implements vscode.Disposable, vscode.CodeLensProvider, vscode.HoverProvider {
  private readonly types: Record<LineFate, vscode.TextEditorDecorationType>;
  private readonly files = new Map<string, FileState>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Document URI -> the line ranges last decorated in its editors. */
  readonly applied = new Map<string, AppliedDecorations>();
  private explanation: RunExplanation | undefined;

  constructor(
    private readonly runs: RunStore,
    extensionUri: vscode.Uri,
  ) {
    // Whole-line decorations with a gutter icon (light and dark) and an overview-ruler mark.
    const lines = (iconName: string, rulerColor: string, extra: vscode.DecorationRenderOptions = {}) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        gutterIconSize: 'contain',
        light: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'inline', `${iconName}-light.svg`) },
        dark: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'inline', `${iconName}-dark.svg`) },
        overviewRulerColor: new vscode.ThemeColor(rulerColor),
        overviewRulerLane: vscode.OverviewRulerLane.Left,
        ...extra,
      });
    this.types = {
      kept: lines('kept', 'contextzip.inline.keptForeground'),
      partialKept: lines('partial', 'contextzip.inline.partialForeground'),
      partialDropped: lines('pruned', 'contextzip.inline.partialForeground', { opacity: '0.5' }),
      dropped: lines('dropped', 'contextzip.inline.droppedForeground', {
        backgroundColor: new vscode.ThemeColor('contextzip.inline.droppedBackground'),
      }),
    };
    this.disposables.push(
      ...Object.values(this.types),
      this.lensesChanged,
      runs.onDidChange(() => this.rebuild()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshEditors()),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // closed without saving: the text is back to what is on disk, the run's lines again
        const st = this.files.get(doc.uri.toString());
        if (st?.edited && doc.isDirty) this.resetFile(doc.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`contextzip.${INLINE_SETTING}`)) this.refreshEditors();
      }),
    );
    this.rebuild();
  }

  get enabled(): boolean {
    return vscode.workspace.getConfiguration('contextzip').get<boolean>(INLINE_SETTING, true);
  }

  /** The run shown inline (the last one). */
  get run(): CompressionRun | undefined {
    return this.runs.last;
  }

  async toggle(on?: boolean): Promise<boolean> {
    const next = on ?? !this.enabled;
    await vscode.workspace
      .getConfiguration('contextzip')
      .update(INLINE_SETTING, next, vscode.ConfigurationTarget.Global);
    this.refreshEditors();
    void vscode.window.setStatusBarMessage(`ContextZip: inline results ${next ? 'on' : 'off'}`, 3000);
    return next;
  }

  /** Placed chunks of a document in the shown run, or undefined. */
  chunksOf(uri: vscode.Uri): PlacedChunk[] | undefined {
    return this.files.get(uri.toString())?.chunks;
  }

  private rebuild(): void {
    this.files.clear();
    const run = this.runs.last;
    this.explanation = run ? explainRun(run.result) : undefined;
    if (run && this.explanation) {
      for (const [label, uri] of Object.entries(run.files)) {
        this.files.set(uri.toString(), {
          run,
          explanation: this.explanation,
          chunks: placeChunks(this.explanation.chunks.filter((e) => e.chunk.file === label)),
          edited: false,
        });
      }
    }
    this.refreshEditors();
  }

  private resetFile(key: string): void {
    const st = this.files.get(key);
    if (!st) return;
    const label = Object.entries(st.run.files).find(([, u]) => u.toString() === key)?.[0];
    st.chunks = placeChunks(st.explanation.chunks.filter((e) => e.chunk.file === label));
    st.edited = false;
  }

  private refreshEditors(): void {
    for (const editor of vscode.window.visibleTextEditors) this.decorate(editor);
    this.lensesChanged.fire();
  }

  private decorate(editor: vscode.TextEditor): void {
    const key = editor.document.uri.toString();
    const st = this.enabled ? this.files.get(key) : undefined;
    const fates = st ? lineFates(st.chunks, editor.document.lineCount) : undefined;
    for (const fate of Object.keys(this.types) as LineFate[]) {
      const ranges = (fates?.[fate] ?? []).map(([a, b]) => new vscode.Range(a - 1, 0, b - 1, 0));
      editor.setDecorations(this.types[fate], ranges);
    }
    if (fates) this.applied.set(key, fates);
    else this.applied.delete(key);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const st = this.files.get(e.document.uri.toString());
    if (!st || e.contentChanges.length === 0) return;
    const edits = e.contentChanges.map((c) => {
      const removed = c.range.end.line - c.range.start.line;
      const added = (c.text.match(/\n/g) ?? []).length;
      return {
        from: c.range.start.line + 1,
        to: c.range.end.line + 1,
        delta: added - removed,
        atLineStart: c.range.start.character === 0 && c.range.isEmpty,
      };
    });
    if (edits.every((x) => x.delta === 0)) return;
    applyLineEdits(st.chunks, edits);
    st.edited = true;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document === e.document) this.decorate(editor);
    }
    this.lensesChanged.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const st = this.enabled ? this.files.get(doc.uri.toString()) : undefined;
    if (!st) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const p of st.chunks) {
      // no lens over a lone closing bracket or blank line: it would crowd the code it describes
      if (p.e.reason === 'blank' || p.start > doc.lineCount || p.e.chunk.tokens <= 2) continue;
      if (p.e.reason === 'fit' && (p.e.chunk.kind === 'code' || p.e.chunk.kind === 'block')) continue;
      const range = new vscode.Range(p.start - 1, 0, p.start - 1, 0);
      const at = [st.run.id, p.e.chunk.file, p.e.chunk.startLine];
      lenses.push(
        new vscode.CodeLens(range, {
          title: lensTitle(p.e),
          tooltip: 'Show this chunk in the run report',
          command: 'contextzip.showRunReport',
          arguments: [st.run.id],
        }),
        new vscode.CodeLens(range, {
          title: 'why',
          tooltip: p.e.summary,
          command: 'contextzip.explainChunk',
          arguments: at,
        }),
      );
    }
    return lenses;
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const st = this.enabled ? this.files.get(doc.uri.toString()) : undefined;
    if (!st) return undefined;
    const p = chunkAtLine(st.chunks, pos.line + 1);
    if (!p) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(p, st.explanation, st.run), true);
    return new vscode.Hover(md, new vscode.Range(p.start - 1, 0, p.end - 1, Number.MAX_SAFE_INTEGER));
  }

  /** The explanation of a chunk of the shown run (the "why" CodeLens). */
  explain(runId: number, file: string, startLine: number): string | undefined {
    if (this.runs.last?.id !== runId || !this.explanation) return undefined;
    const e = this.explanation.chunks.find((x) => x.chunk.file === file && x.chunk.startLine === startLine);
    if (!e) return undefined;
    const cmp = compareWithKept(e, this.explanation);
    return `${e.chunk.name}: ${e.detail}${cmp ? ` ${cmp}` : ''}`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

const STATUS_WORD = { kept: 'Kept', partial: 'Partly kept', dropped: 'Dropped' } as const;

export function hoverMarkdown(p: PlacedChunk, run: RunExplanation, r: CompressionRun): string {
  const e = p.e;
  const c = e.chunk;
  const lines: string[] = [];
  lines.push(`**ContextZip · ${STATUS_WORD[c.status]}: \`${c.name}\`** (${c.kind}) — ${escapeMd(e.summary)}`);
  lines.push(e.detail);
  const cmp = compareWithKept(e, run);
  if (cmp) lines.push(cmp);
  const share = `${(100 * e.budgetShare).toFixed(e.budgetShare < 0.1 ? 1 : 0)}%`;
  lines.push(
    `Budget share: ${fmt(e.keptTokens)} of ${fmt(r.result.budget)} tokens (${share}) · chunk ${fmt(c.tokens)} tokens, ` +
      `${e.totalLines} lines` +
      (c.status === 'partial'
        ? ` · kept lines ${c.keptLines.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')}`
        : ''),
  );
  const query = r.cursor && r.query.trim() === '' ? `cursor at ${r.cursor.file}:${r.cursor.line}` : `“${r.query}”`;
  lines.push(`_Run #${r.id}: ${escapeMd(query.length > 90 ? `${query.slice(0, 89)}…` : query)}_`);
  return lines.join('\n\n');
}
