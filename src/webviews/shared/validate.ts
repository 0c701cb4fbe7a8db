/** Checks shared by every panel's message validator (no DOM, no vscode: both sides import it). */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An "exportPng" or "copyJson" message, checked; undefined for anything else. */
export function exportMessage(msg: Record<string, unknown>): { type: 'exportPng'; dataUrl: string } | { type: 'copyJson'; json: string } | undefined {
  if (msg.type === 'exportPng') {
    return typeof msg.dataUrl === 'string' && msg.dataUrl.startsWith('data:image/png;base64,') && msg.dataUrl.length < 200e6
      ? { type: 'exportPng', dataUrl: msg.dataUrl }
      : undefined;
  }
  if (msg.type === 'copyJson') return typeof msg.json === 'string' && msg.json.length < 50e6 ? { type: 'copyJson', json: msg.json } : undefined;
  return undefined;
}
