/**
 * What every ContextZip webview page starts with (run report, trace report, model inspector):
 * the document head with the page's Content-Security-Policy, and HTML escaping. Pure: no vscode
 * import, so the markup is unit-tested.
 */
import { randomBytes } from 'node:crypto';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/**
 * From `<!DOCTYPE html>` to the title (and the stylesheet link when given), one element a line,
 * ending with a newline; the caller adds its nonce'd `<style>` and closes the head.
 */
export function webviewDocumentHead(o: { csp: string; title: string; styleUri?: string }): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${o.csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<title>${escapeHtml(o.title)}</title>`,
    ...(o.styleUri ? [`<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">`] : []),
    '',
  ].join('\n');
}

/** A fresh nonce for a page's Content-Security-Policy (128 random bits, base64). */
export function webviewNonce(): string {
  return randomBytes(16).toString('base64');
}
