/** Messages between the model panel's webview and its host-side controller (types and the validator only). */
import type { ExplainResultMessage, LayerPreviewMessage, MethodOptions, MetricsMessage, ModelSummaryMessage } from '../../protocol/worker';
import { METHOD_PARAMS, METHODS } from '../../core/explain/specs';
import { CHANNEL_ORDERS, COLOR_MODES, COLORMAPS, RESIZE_MODES, SCALES, type PreprocessSpec } from '../../core/image/specs';
import { exportMessage, isObj } from '../shared/validate';

/** The panel's pickers: every method and colormap (from their specs). */
export const PANEL_METHODS = METHODS;
export const PANEL_COLORMAPS = COLORMAPS;

export interface PanelSettings {
  method: string;
  /** CAM layer; undefined = the model's default. */
  layer?: string;
  target: 'top' | number;
  output: number;
  colormap: string;
  opacity: number;
  params: MethodOptions;
  /** The panel's own preprocessing settings (the Model input controls), over the model's. */
  preprocess?: Partial<PreprocessSpec>;
  /** Export PNG: long side (undefined: the image's, at least 512 and at most the outSize limit) and a colour bar. */
  exportSize?: number;
  exportColorbar?: boolean;
}

export interface PanelState {
  modelPath: string;
  imagePath?: string;
  settings: PanelSettings;
}

export type ToWebview =
  | { type: 'init'; summary: ModelSummaryMessage; luts: Record<string, number[]>; state: PanelState; recent: string[] }
  | { type: 'image'; imagePath: string; recent: string[] }
  /** Recent images changed (an image is remembered once it was explained). */
  | { type: 'recent'; recent: string[] }
  /** The model could not be loaded: the panel says why and offers another model. */
  | { type: 'loadFailed'; modelPath: string; message: string; reopenWith?: boolean }
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; result: ExplainResultMessage }
  | { type: 'preview'; preview: LayerPreviewMessage }
  /** The Metrics section: the metrics of the explanation of `imagePath` with the settings asked. */
  | { type: 'metrics'; imagePath: string; metrics: MetricsMessage }
  /** The preprocessing was saved to modellens.json (`file`): it is now the model's own. */
  | { type: 'preprocessSaved'; file: string; preprocess: PreprocessSpec }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'run'; settings: PanelSettings }
  | { type: 'pickImage' }
  | { type: 'useImage'; path: string }
  | { type: 'dropUri'; uri: string }
  | { type: 'cancel' }
  | { type: 'chooseModel' }
  | { type: 'reopenWith' }
  | { type: 'preview' }
  /** The metrics of the current explanation (these settings), with the sanity check when asked. */
  | { type: 'metrics'; settings: PanelSettings; sanity: boolean }
  | { type: 'exportPng' }
  | { type: 'copyJson'; json: string }
  /** Write these settings to modellens.json beside the model (for this model file). */
  | { type: 'savePreprocess'; preprocess: PreprocessSpec };

const finite = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

const numbers = (v: unknown, nonZero = false) =>
  Array.isArray(v) && v.length >= 1 && v.length <= 4 && v.every((n) => finite(n, -1e6, 1e6) && (!nonZero || n !== 0));

/** Preprocessing settings from the webview: each key optional (`partial`) or the required ones present. */
export function validPreprocess(p: unknown, partial: boolean): p is Partial<PreprocessSpec> {
  if (!isObj(p)) return false;
  const known = ['scale', 'mean', 'std', 'channelOrder', 'resize', 'color', 'invert'];
  if (Object.keys(p).some((k) => !known.includes(k))) return false;
  if (!partial && (p.scale === undefined || p.channelOrder === undefined || p.resize === undefined)) return false;
  if (p.scale !== undefined && !(SCALES as readonly unknown[]).includes(p.scale)) return false;
  if (p.channelOrder !== undefined && !(CHANNEL_ORDERS as readonly unknown[]).includes(p.channelOrder)) return false;
  if (p.resize !== undefined && !(RESIZE_MODES as readonly unknown[]).includes(p.resize)) return false;
  if (p.color !== undefined && !(COLOR_MODES as readonly unknown[]).includes(p.color)) return false;
  if (p.invert !== undefined && typeof p.invert !== 'boolean') return false;
  if (p.mean !== undefined && !numbers(p.mean)) return false;
  if (p.std !== undefined && !numbers(p.std, true)) return false;
  return true;
}

function validSettings(s: unknown): s is PanelSettings {
  if (!isObj(s)) return false;
  if (!(PANEL_METHODS as readonly string[]).includes(s.method as string)) return false;
  if (!(PANEL_COLORMAPS as readonly string[]).includes(s.colormap as string)) return false;
  if (s.layer !== undefined && typeof s.layer !== 'string') return false;
  if (s.target !== 'top' && !(Number.isInteger(s.target) && finite(s.target, 0, 1e6))) return false;
  if (!(Number.isInteger(s.output) && finite(s.output, 0, 1000))) return false;
  if (!finite(s.opacity, 0, 1)) return false;
  if (!isObj(s.params)) return false;
  if (s.preprocess !== undefined && !validPreprocess(s.preprocess, true)) return false;
  if (s.exportSize !== undefined && !(Number.isInteger(s.exportSize) && finite(s.exportSize, 16, 8192))) return false;
  if (s.exportColorbar !== undefined && typeof s.exportColorbar !== 'boolean') return false;
  const p = s.params;
  for (const [key, spec] of Object.entries(METHOD_PARAMS)) {
    const v = p[key];
    if (v === undefined) continue;
    if (
      spec.kind === 'choice'
        ? !(spec.choices as readonly string[]).includes(v as string)
        : !finite(v, spec.min, spec.max) || (spec.kind === 'int' && !Number.isInteger(v))
    )
      return false;
  }
  return true;
}

/** Every message from the webview is checked before the host acts on it; anything else is dropped. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'pickImage':
    case 'chooseModel':
    case 'reopenWith':
    case 'cancel':
    case 'preview':
      return { type: msg.type };
    case 'run':
      return validSettings(msg.settings) ? { type: 'run', settings: msg.settings } : undefined;
    case 'metrics':
      return validSettings(msg.settings) && typeof msg.sanity === 'boolean' ? { type: 'metrics', settings: msg.settings, sanity: msg.sanity } : undefined;
    case 'useImage':
      return typeof msg.path === 'string' && msg.path.length < 4096 ? { type: 'useImage', path: msg.path } : undefined;
    case 'dropUri':
      return typeof msg.uri === 'string' && msg.uri.length < 4096 ? { type: 'dropUri', uri: msg.uri } : undefined;
    case 'exportPng':
      return { type: 'exportPng' };
    case 'copyJson':
      return exportMessage(msg);
    case 'savePreprocess':
      return validPreprocess(msg.preprocess, false) ? { type: 'savePreprocess', preprocess: msg.preprocess as PreprocessSpec } : undefined;
    default:
      return undefined;
  }
}
