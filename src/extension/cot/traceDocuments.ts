/** Read-only virtual documents holding the originals and compressed traces of each run. */
import * as vscode from 'vscode';

export const TRACE_SCHEME = 'contextzip-cot';

export class TraceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private next = 1;

  /** A new run number: each run's documents get their own URIs. */
  newRun(): number {
    return this.next++;
  }

  add(kind: 'original' | 'compressed', name: string, text: string, run: number): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${run}/${kind}/${name}` });
    this.docs.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
