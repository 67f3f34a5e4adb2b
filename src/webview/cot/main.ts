/**
 * Browser side of the CoT report panel: selecting a step row (click, Enter or Space) asks
 * the extension to reveal that step in the original trace. Arrow keys move between rows.
 */
import { activatableRows } from '../shared/rows.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>('tr[data-start]'));

function reveal(row: HTMLTableRowElement): void {
  vscode.postMessage({ type: 'reveal', start: Number(row.dataset.start), end: Number(row.dataset.end) });
}

activatableRows(rows, reveal);
