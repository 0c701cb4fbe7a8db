// What the model panel does with each message from the host.
import { $, clearStale, COMMON_HANDLERS, listenTo } from '../../shared/app/ui';
import type { ToWebview } from '../protocol';
import { renderControls, renderRecent, updateParamPlaceholders } from './controls';
import { addPreview, draw, renderSummary } from './drawing';
import { preprocessSaved, renderModelInput } from './model-input';
import { app, rerun } from './state';

export function listen(): void {
  listenTo<ToWebview>({
    ...COMMON_HANDLERS,
    init: (msg) => {
      app.summary = msg.summary;
      app.luts = msg.luts;
      app.recent = msg.recent;
      app.state = { ...msg.state, settings: { ...msg.state.settings, ...app.state.settings } };
      renderSummary();
      renderControls();
      renderRecent();
      renderModelInput();
      if (app.state.imagePath) {
        $('image-name').textContent = app.state.imagePath;
        rerun();
      }
    },
    image: (msg) => {
      app.state = { ...app.state, imagePath: msg.imagePath };
      app.recent = msg.recent;
      $('image-name').textContent = msg.imagePath;
      $('strip').replaceChildren();
      renderRecent();
      rerun();
    },
    result: (msg) => {
      clearStale();
      app.result = msg.result;
      $('error').hidden = true;
      draw();
      renderModelInput();
      updateParamPlaceholders();
    },
    preprocessSaved: (msg) => preprocessSaved(msg.file, msg.preprocess),
    preview: (msg) => addPreview(msg.preview),
  });
}
