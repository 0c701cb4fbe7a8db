import * as path from 'node:path';

/** The repository (the bundle runs from dist/fuzz/, the sources from fuzz/lib/). */
export const REPO = path.resolve(__dirname, '..', '..');
export const DEMO_MODEL = path.join(REPO, 'demo', 'models', 'shapes', 'model.json');
export const DEMO_IMAGE = path.join(REPO, 'demo', 'images', 'circle-1.png');
