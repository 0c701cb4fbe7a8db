/**
 * The HTML of a panel's page, without the vscode API (so that it is unit-tested). Everything that
 * comes from a workspace file (its name in the title, paths in the state) is escaped: a file named
 * `<img src=x onerror=alert(1)>.onnx` is text, not markup.
 */
export interface PageParts {
  nonce: string;
  cspSource: string;
  script: string;
  style: string;
  state: unknown;
  title: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export function pageHtml(p: PageParts): string {
  const csp = [
    "default-src 'none'",
    `img-src ${p.cspSource} data: blob:`,
    `style-src ${p.cspSource} 'nonce-${p.nonce}'`,
    `font-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(p.style)}" nonce="${escapeHtml(p.nonce)}">
<title>${escapeHtml(p.title)}</title></head>
<body><div id="app" data-state="${escapeHtml(JSON.stringify(p.state))}"></div>
<script nonce="${escapeHtml(p.nonce)}" src="${escapeHtml(p.script)}"></script></body></html>`;
}
