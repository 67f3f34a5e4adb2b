import * as vscode from 'vscode';

/**
 * The "ContextZip" output channel. Every feature logs here (what ran, what was skipped and
 * why). The last lines are also kept in memory so integration tests can assert on them.
 */
export class ContextZipLog implements vscode.Disposable {
  private readonly channel: vscode.OutputChannel;
  private readonly recent: string[] = [];
  private static readonly keep = 2000;

  constructor(name = 'ContextZip') {
    this.channel = vscode.window.createOutputChannel(name);
  }

  /** Appends one line (or several, split on newlines), prefixed with the time. */
  info(message: string): void {
    const time = new Date().toISOString().slice(11, 19);
    for (const line of message.split('\n')) {
      const text = `[${time}] ${line}`;
      this.channel.appendLine(text);
      this.recent.push(line);
    }
    if (this.recent.length > ContextZipLog.keep) this.recent.splice(0, this.recent.length - ContextZipLog.keep);
  }

  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? `: ${err.message}` : err !== undefined ? `: ${String(err)}` : '';
    this.info(`ERROR ${message}${detail}`);
    if (err instanceof Error && err.stack) this.channel.appendLine(err.stack);
  }

  show(preserveFocus = true): void {
    this.channel.show(preserveFocus);
  }

  /** The most recent lines, without timestamps (for tests and diagnostics). */
  lines(): readonly string[] {
    return this.recent;
  }

  dispose(): void {
    this.channel.dispose();
  }
}
