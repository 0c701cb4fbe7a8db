/** Messages between the pair panel's webview and its host-side controller (types and the validator only). */
import type { PairPartialMessage, PairResultMessage } from '../../protocol/worker';
import {
  ASSIGNS,
  JOINTS,
  PAIR_METHODS,
  SIMILARITIES,
  TRANSFORMS,
  type Assign,
  type Joint,
  type Similarity,
  type TransformName,
} from '../../core/explain/pair/specs';
import { COLORMAPS } from '../../core/image/specs';
import { exportMessage, isObj } from '../shared/validate';

/** The panel's pickers: every pair method and colormap (from their specs). */
export const PAIR_PANEL_METHODS = PAIR_METHODS;
export const PAIR_PANEL_COLORMAPS = COLORMAPS;

export interface PairSettings {
  method: string;
  similarity: Similarity;
  /** Embedding output or layer; undefined = the model's first output. */
  embedding?: string;
  /** Interaction-CAM's feature layer; undefined = the last convolution block's output (defaultCamLayer). */
  layer?: string;
  window?: number;
  stride?: number;
  samples?: number;
  /** Pairwise occlusion: softmax temperature (undefined = 1) and which view a trial's weight goes to (undefined = both). */
  temperature?: number;
  assign?: Assign;
  joint: Joint;
  transform: TransformName;
  seed: number;
  colormap: string;
  opacity: number;
  metrics: boolean;
}

export interface PairPanelState {
  modelPath: string;
  imageA?: string;
  /** The second view: a file, or an augmentation of the first. */
  second: { kind: 'image'; path?: string } | { kind: 'augment'; spec: string };
  settings: PairSettings;
}

export interface PairModelInfo {
  path: string;
  outputs: string[];
  /** Layers with a 4-D output (Interaction-CAM) and every layer (embedding choices). */
  camLayers: string[];
  layers: string[];
  defaultLayer?: string;
}

export type ToPairWebview =
  | { type: 'init'; model: PairModelInfo; luts: Record<string, number[]>; state: PairPanelState }
  | { type: 'state'; state: PairPanelState }
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'partial'; partial: PairPartialMessage }
  | { type: 'result'; result: PairResultMessage; probe?: { view: 'a' | 'b'; top: number; left: number } }
  | { type: 'error'; message: string };

export type FromPairWebview =
  | { type: 'ready' }
  | { type: 'run'; state: Pick<PairPanelState, 'second' | 'settings'> }
  | { type: 'probe'; view: 'a' | 'b'; top: number; left: number }
  | { type: 'pickImage'; which: 'a' | 'b' }
  | { type: 'cancel' }
  | { type: 'exportPng'; dataUrl: string }
  | { type: 'copyJson'; json: string };

const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const optInt = (v: unknown, lo: number, hi: number) => v === undefined || int(v, lo, hi);
const optName = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0 && v.length < 512);
/** The --augment syntax's alphabet: names, numbers, '=', ',', spaces. */
const AUGMENT = /^[a-z0-9.=, ]{1,200}$/;

function validSettings(s: unknown): s is PairSettings {
  if (!isObj(s)) return false;
  return (
    (PAIR_PANEL_METHODS as readonly string[]).includes(s.method as string) &&
    (SIMILARITIES as readonly string[]).includes(s.similarity as string) &&
    optName(s.embedding) &&
    optName(s.layer) &&
    optInt(s.window, 1, 4096) &&
    optInt(s.stride, 1, 4096) &&
    optInt(s.samples, 1, 100_000) &&
    (s.temperature === undefined || (typeof s.temperature === 'number' && s.temperature > 0 && s.temperature <= 100)) &&
    (s.assign === undefined || (ASSIGNS as readonly string[]).includes(s.assign as string)) &&
    (JOINTS as readonly string[]).includes(s.joint as string) &&
    (TRANSFORMS as readonly string[]).includes(s.transform as string) &&
    int(s.seed, 0, 2 ** 31) &&
    (PAIR_PANEL_COLORMAPS as readonly string[]).includes(s.colormap as string) &&
    typeof s.opacity === 'number' &&
    s.opacity >= 0 &&
    s.opacity <= 1 &&
    typeof s.metrics === 'boolean'
  );
}

function validSecond(s: unknown): s is PairPanelState['second'] {
  if (!isObj(s)) return false;
  if (s.kind === 'image') return s.path === undefined || (typeof s.path === 'string' && s.path.length < 4096);
  return s.kind === 'augment' && typeof s.spec === 'string' && AUGMENT.test(s.spec);
}

/** Every message from the webview is checked before the host acts on it; anything else is dropped. */
export function parseFromPairWebview(msg: unknown): FromPairWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'cancel':
      return { type: msg.type };
    case 'run':
      return isObj(msg.state) && validSettings(msg.state.settings) && validSecond(msg.state.second)
        ? { type: 'run', state: { settings: msg.state.settings, second: msg.state.second } }
        : undefined;
    case 'probe':
      return (msg.view === 'a' || msg.view === 'b') && int(msg.top, 0, 100_000) && int(msg.left, 0, 100_000)
        ? { type: 'probe', view: msg.view, top: msg.top as number, left: msg.left as number }
        : undefined;
    case 'pickImage':
      return msg.which === 'a' || msg.which === 'b' ? { type: 'pickImage', which: msg.which } : undefined;
    case 'exportPng':
    case 'copyJson':
      return exportMessage(msg);
    default:
      return undefined;
  }
}
