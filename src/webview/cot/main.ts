/**
 * Browser side of the CoT report panel: selecting a step row (click, Enter or Space) asks
 * the extension to reveal that step in the original trace. Arrow keys move between rows.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>('tr[data-start]'));

function reveal(row: HTMLTableRowElement): void {
  vscode.postMessage({ type: 'reveal', start: Number(row.dataset.start), end: Number(row.dataset.end) });
}

rows.forEach((row, i) => {
  row.addEventListener('click', () => reveal(row));
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      reveal(row);
    } else if (e.key === 'ArrowDown' && i + 1 < rows.length) {
      e.preventDefault();
      rows[i + 1].focus();
    } else if (e.key === 'ArrowUp' && i > 0) {
      e.preventDefault();
      rows[i - 1].focus();
    }
  });
});
