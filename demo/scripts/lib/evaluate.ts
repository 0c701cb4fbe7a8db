import * as path from 'node:path';
import { explainImage } from '../../../src/core/explain/explain-image';
import type { MethodName } from '../../../src/core/explain/types';
import { readImage } from '../../../src/core/image/decode';
import { loadModel } from '../../../src/core/model/load';
import { resolveModelSettings } from '../../../src/core/model/model-config';
import { insideBox, argmaxPosition, pointingGameHit } from '../../../src/core/metrics/pointing-game';
import { demoImages } from './demo-files';
import { SHORTCUT_CLASS, watermarkBox } from './shapes';

export interface DemoEvaluation {
  method: MethodName;
  clean: number;
  pointingGame: number;
  centreBaseline: number;
  accuracy: number;
  watermarked: number;
  onWatermark: number;
  watermarkedPredictedShortcut: number;
}

/**
 * The pointing game of a method over the demo test images without the watermark (the map's maximum
 * inside the object box), beside a trivial baseline that always points at the image centre; and for
 * watermarked images of the shortcut class, the share of maps whose maximum falls on the watermark.
 */
export async function evaluateDemo(method: MethodName = 'gradcam'): Promise<DemoEvaluation> {
  const { dir, model: modelPath, images } = demoImages();
  const model = await loadModel(modelPath);
  const settings = resolveModelSettings(model.path);
  let hits = 0;
  let centre = 0;
  let correct = 0;
  let clean = 0;
  let onWatermark = 0;
  let watermarked = 0;
  let shortcut = 0;
  for (const img of images) {
    const image = await readImage(path.join(dir, 'images', img.file));
    const r = await explainImage(model, image, { method, preprocess: settings.preprocess, labels: settings.labels, target: 'top', params: { batchSize: 16 } });
    if (img.watermark) {
      watermarked++;
      if (r.top[0].index === SHORTCUT_CLASS) shortcut++;
      if (insideBox(argmaxPosition(r.image.values, image.width), watermarkBox(image.width), 1)) onWatermark++;
      continue;
    }
    clean++;
    if (r.top[0].index === img.label) correct++;
    if (pointingGameHit(r.image.values, image.width, img.box)) hits++;
    if (insideBox({ x: Math.floor(image.width / 2), y: Math.floor(image.height / 2) }, img.box)) centre++;
  }
  return {
    method,
    clean,
    pointingGame: hits / clean,
    centreBaseline: centre / clean,
    accuracy: correct / clean,
    watermarked,
    onWatermark: watermarked ? onWatermark / watermarked : 0,
    watermarkedPredictedShortcut: watermarked ? shortcut / watermarked : 0,
  };
}
