// forward({ outputs: false }): only the taps, from only the part of the network they need — the same
// tap values as a full forward pass, for a TF.js layers model, an ONNX graph and a TF.js graph model.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/core/engine/backend';
import { defaultCamLayer } from '../../../src/core/model/cam-layers';
import { loadModel } from '../../../src/core/model/load';
import { writeGraphModel } from '../../helpers/graph-fixture';

const graphDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-taps-'));
const files = {
  layers: 'demo/models/shapes/model.json',
  onnx: 'demo/runs/student-kd-s1/model.onnx',
  graph: writeGraphModel(graphDir),
};

for (const [kind, file] of Object.entries(files)) {
  test(`${kind}: forward with outputs false returns no outputs and the same tap as a full pass, leaving no tensor behind`, async () => {
    await initEngine({ backend: 'wasm' });
    const model = await loadModel(file);
    const layer = defaultCamLayer(model)!;
    const shape = model.inputs[0].shape.map((d) => d ?? 1);
    const x = tf.randomUniform([2, ...shape.slice(1)], 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    const full = model.forward(x, { taps: [layer] });
    const only = model.forward(x, { taps: [layer], outputs: false });
    assert.equal(only.outputs.length, 0);
    assert.equal(full.outputs.length, model.outputs.length);
    assert.deepEqual(only.taps[0].shape, full.taps[0].shape);
    assert.deepEqual(Array.from(await only.taps[0].data()), Array.from(await full.taps[0].data()));
    tf.dispose([...full.outputs, ...full.taps, ...only.taps]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
}
