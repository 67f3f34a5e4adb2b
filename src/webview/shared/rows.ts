/**
 * Table rows a keyboard user can work: click, Enter or Space activates a row, the arrows move
 * the focus to the next or previous one. Shared by the run report and the trace report.
 */
export function activatableRows<R extends HTMLElement>(rows: R[], activate: (row: R) => void): void {
  rows.forEach((row, k) => {
    row.addEventListener('click', () => activate(row));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        activate(row);
      } else if (e.key === 'ArrowDown' && k + 1 < rows.length) {
        e.preventDefault();
        rows[k + 1].focus();
      } else if (e.key === 'ArrowUp' && k > 0) {
        e.preventDefault();
        rows[k - 1].focus();
      }
    });
  });
}
