/** Messages between the compare panel's webview and its host-side controller (types and the validator only). */
import type { CompareResultMessage, KnowledgeResultMessage } from '../../protocol/worker';
import { METHODS } from '../../core/explain/specs';
import { isObj } from '../shared/validate';

/** The panel's method picker: every explain method (from its specs). */
export const COMPARE_PANEL_METHODS = METHODS;

/** What the knowledge view runs with (the CLI's --steps and --samples; at most `maxImages` images of the folder). */
export interface KnowledgeSettings {
  steps: number;
  samples: number;
  maxImages: number;
}

export interface ComparePanelState {
  /** Two or more model files, in order (the first is the reference: agreement and KL are against it). */
  models: string[];
  /** The image every model explains side by side. */
  image?: string;
  /** The folder of the metrics table and the knowledge view (class sub-folders give the truth). */
  folder?: string;
  /** Object boxes (pointing game, knowledge points); a folder's boxes.json is taken when there is one. */
  boxes?: string;
  /** Per model: its checkpoints folder (N_fg per epoch, D and ρ); a `checkpoints/` beside the model is taken when there is one. */
  checkpoints: (string | null)[];
  method: string;
  knowledge: KnowledgeSettings;
}

/** A model's overlay drawn as `compare --out` writes it: a PNG data URL. */
export interface CompareOverlay {
  dataUrl: string;
  probability: number;
  scoreKind: NonNullable<CompareResultMessage['overlays']>[number]['scoreKind'];
  units: number;
}

export type ToCompareWebview =
  | { type: 'init'; names: string[]; state: ComparePanelState; lut: number[] }
  | { type: 'state'; state: ComparePanelState }
  | { type: 'imageResult'; image: string; method: string; result: CompareResultMessage['result']; overlays: CompareOverlay[] }
  | { type: 'folderResult'; folder: string; method: string; result: CompareResultMessage['result']; images: number }
  /** `pictures`: the images of the result as data URLs (the entropy map is drawn over them). */
  | { type: 'knowledgeResult'; model: number; folder: string; result: KnowledgeResultMessage; pictures: Record<string, string> }
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; message: string };

export type PickTarget = 'image' | 'folder' | 'boxes' | 'checkpoints';

export type FromCompareWebview =
  | { type: 'ready' }
  | { type: 'pick'; what: PickTarget; model?: number }
  | { type: 'settings'; method: string; knowledge: KnowledgeSettings }
  | { type: 'runImage' }
  | { type: 'runFolder' }
  | { type: 'runKnowledge' }
  | { type: 'openModel'; model: number; image?: string }
  /** Show an image of the folder side by side (its path relative to the folder). */
  | { type: 'showImage'; name: string }
  | { type: 'cancel' };

const int = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

function validKnowledge(k: unknown): k is KnowledgeSettings {
  return isObj(k) && int(k.steps, 1, 10_000) && int(k.samples, 1, 1024) && int(k.maxImages, 1, 10_000);
}

/** Every message from the webview is checked before the host acts on it; anything else is dropped. */
export function parseFromCompareWebview(msg: unknown): FromCompareWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'cancel':
    case 'runImage':
    case 'runFolder':
    case 'runKnowledge':
      return { type: msg.type };
    case 'pick':
      if (!['image', 'folder', 'boxes', 'checkpoints'].includes(msg.what as string)) return undefined;
      if (msg.what === 'checkpoints') return int(msg.model, 0, 63) ? { type: 'pick', what: 'checkpoints', model: msg.model } : undefined;
      return msg.model === undefined ? { type: 'pick', what: msg.what as PickTarget } : undefined;
    case 'settings':
      return (COMPARE_PANEL_METHODS as readonly string[]).includes(msg.method as string) && validKnowledge(msg.knowledge)
        ? {
            type: 'settings',
            method: msg.method as string,
            knowledge: { steps: msg.knowledge.steps, samples: msg.knowledge.samples, maxImages: msg.knowledge.maxImages },
          }
        : undefined;
    case 'openModel':
      return int(msg.model, 0, 63) && (msg.image === undefined || (typeof msg.image === 'string' && msg.image.length > 0 && msg.image.length < 4096))
        ? { type: 'openModel', model: msg.model, ...(msg.image !== undefined ? { image: msg.image as string } : {}) }
        : undefined;
    case 'showImage':
      return typeof msg.name === 'string' && msg.name.length > 0 && msg.name.length < 4096 && !msg.name.split(/[\\/]/).includes('..')
        ? { type: 'showImage', name: msg.name }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Each model's shortest name that tells it apart: the file name, with as many parent folders as it
 * takes (teacher/model.onnx and student-kd-s1/model.onnx rather than model.onnx twice).
 */
export function shortNames(paths: string[]): string[] {
  const parts = paths.map((p) => p.split(/[\\/]/).filter(Boolean));
  const names = parts.map((p) => p.at(-1) ?? '');
  for (let depth = 1; ; depth++) {
    const seen = new Map<string, number>();
    for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
    const clash = names.map((n) => (seen.get(n) ?? 0) > 1);
    if (!clash.some(Boolean)) return names;
    let grew = false;
    parts.forEach((p, i) => {
      if (clash[i] && p.length > depth) {
        names[i] = p.slice(-depth - 1).join('/');
        grew = true;
      }
    });
    if (!grew) return names;
  }
}
