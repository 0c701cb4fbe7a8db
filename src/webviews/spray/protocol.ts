/** Messages between the SpRAy panel's webview and its host-side controller (types and the validator only). */
import type { SprayResultMessage } from '../../protocol/worker';
import { METHODS, SPRAY_METHOD } from '../../core/explain/specs';
import { isObj } from '../shared/validate';

/** The panel's method picker: every explain method. */
export const SPRAY_PANEL_METHODS = METHODS;
export const SPRAY_EMBEDDINGS = ['umap', 'tsne'] as const;

/** What the panel runs with (the CLI's flags). */
export interface SpraySettings {
  classArg: string;
  method: string;
  grid: number;
  neighbours: number;
  /** 0: the eigengap chooses. */
  clusters: number;
  embedding: (typeof SPRAY_EMBEDDINGS)[number];
  seed: number;
}

/** The CLI's defaults (model-lens spray), which a new panel starts with. */
export const DEFAULT_SPRAY_SETTINGS: Omit<SpraySettings, 'classArg'> = {
  method: SPRAY_METHOD,
  grid: 16,
  neighbours: 10,
  clusters: 0,
  embedding: 'umap',
  seed: 0,
};

export interface SprayPanelState {
  model: string;
  folder: string;
  /** The model's labels, for the class picker (empty: none). */
  labels: string[];
  settings: SpraySettings;
}

export type ToSprayWebview =
  | { type: 'init'; state: SprayPanelState; luts: { signed: number[]; unsigned: number[] } }
  /** `pictures`: each image (by its path) as a data URL, for the thumbnails. */
  | { type: 'result'; result: SprayResultMessage; pictures: Record<string, string> }
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; message: string }
  | { type: 'cancelled'; what: string; notRun?: boolean };

export type FromSprayWebview =
  | { type: 'ready' }
  | { type: 'settings'; settings: SpraySettings }
  | { type: 'run' }
  | { type: 'cancel' }
  /** Open one of the result's images in the model panel (its path exactly as the result gave it). */
  | { type: 'openImage'; image: string };

const int = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** One sentence per problem of the settings (empty: valid); the form shows them and the host refuses them. */
export function spraySettingsProblems(s: SpraySettings): string[] {
  const out: string[] = [];
  if (typeof s.classArg !== 'string' || s.classArg.trim() === '' || s.classArg.length > 200) out.push('Choose a class.');
  if (!(SPRAY_PANEL_METHODS as readonly string[]).includes(s.method)) out.push('Choose a method.');
  if (!int(s.grid, 2, 256)) out.push('Grid: a whole number from 2 to 256.');
  if (!int(s.neighbours, 1, 1000)) out.push('Neighbours: a whole number from 1 to 1000.');
  if (!int(s.clusters, 0, 100)) out.push('Clusters: 0 (the eigengap chooses) or a whole number up to 100.');
  if (!(SPRAY_EMBEDDINGS as readonly string[]).includes(s.embedding)) out.push('The embedding is UMAP or t-SNE.');
  if (!int(s.seed, 0, 1e9)) out.push('Seed: a whole number ≥ 0.');
  return out;
}

/** The validator of everything the webview sends: a message of a known type with well-formed fields, else undefined. */
export function parseFromSprayWebview(m: unknown): FromSprayWebview | undefined {
  if (!isObj(m) || typeof m.type !== 'string') return undefined;
  switch (m.type) {
    case 'ready':
    case 'run':
    case 'cancel':
      return { type: m.type };
    case 'settings': {
      const s = m.settings;
      if (!isObj(s)) return undefined;
      const settings = {
        classArg: s.classArg,
        method: s.method,
        grid: s.grid,
        neighbours: s.neighbours,
        clusters: s.clusters,
        embedding: s.embedding,
        seed: s.seed,
      } as SpraySettings;
      return spraySettingsProblems(settings).length ? undefined : { type: 'settings', settings };
    }
    case 'openImage':
      return typeof m.image === 'string' && m.image.length < 4096 ? { type: 'openImage', image: m.image } : undefined;
    default:
      return undefined;
  }
}
