// What the model panel does with each message from the host.
import { $, clearStale, COMMON_HANDLERS, el, listenTo, showError } from '../../shared/app/ui';
import type { ToWebview } from '../protocol';
import { renderControls, renderRecent, updateParamPlaceholders } from './controls';
import { addPreview, draw, renderSummary } from './drawing';
import { clearMetrics, drawMetrics } from './metrics';
import { preprocessSaved, renderModelInput } from './model-input';
import { app, post, rerun } from './state';

/** A model that did not load: say why, and offer another one (the panel stays usable). */
function showLoadFailed(modelPath: string, message: string, reopenWith: boolean): void {
  app.summary = undefined;
  $('model-name').textContent = `Could not load ${modelPath.split(/[\\/]/).pop()}`;
  $('model-meta').textContent = modelPath;
  showError(message);
  const choose = el('vscode-button', { id: 'choose-model' }, 'Choose another model…');
  choose.addEventListener('click', () => post({ type: 'chooseModel' }));
  $('error').append(' ', choose);
  // An .h5 file is not always a model: VS Code's other editors may show it.
  if (reopenWith) {
    const reopen = el('vscode-button', { id: 'reopen-with', secondary: '' }, 'Reopen With…');
    reopen.addEventListener('click', () => post({ type: 'reopenWith' }));
    $('error').append(' ', reopen);
  }
}

export function listen(): void {
  listenTo<ToWebview>({
    ...COMMON_HANDLERS,
    init: (msg) => {
      app.summary = msg.summary;
      app.luts = msg.luts;
      $('error').hidden = true;
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
      clearMetrics();
      app.result = msg.result;
      $('error').hidden = true;
      draw();
      renderModelInput();
      updateParamPlaceholders();
    },
    preprocessSaved: (msg) => preprocessSaved(msg.file, msg.preprocess),
    preview: (msg) => addPreview(msg.preview),
    metrics: (msg) => {
      if (msg.imagePath === app.state.imagePath) drawMetrics(msg.metrics);
    },
    recent: (msg) => {
      app.recent = msg.recent;
      renderRecent();
    },
    loadFailed: (msg) => showLoadFailed(msg.modelPath, msg.message, !!msg.reopenWith),
  });
}
