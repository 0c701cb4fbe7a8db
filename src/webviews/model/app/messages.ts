// What the model panel does with each message from the host.
import { $, handleCommonMessage } from '../../shared/app/ui';
import type { ToWebview } from '../protocol';
import { renderControls, renderRecent } from './controls';
import { addPreview, draw, renderSummary } from './drawing';
import { app, rerun } from './state';

export function listen(): void {
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const msg = event.data;
    if (handleCommonMessage(msg)) return;
    switch (msg.type) {
      case 'init':
        app.summary = msg.summary;
        app.luts = msg.luts;
        app.recent = msg.recent;
        app.state = { ...msg.state, settings: { ...msg.state.settings, ...app.state.settings } };
        renderSummary();
        renderControls();
        renderRecent();
        if (app.state.imagePath) {
          $('image-name').textContent = app.state.imagePath;
          rerun();
        }
        break;
      case 'image':
        app.state = { ...app.state, imagePath: msg.imagePath };
        app.recent = msg.recent;
        $('image-name').textContent = msg.imagePath;
        $('strip').replaceChildren();
        renderRecent();
        rerun();
        break;
      case 'result':
        app.result = msg.result;
        $('error').hidden = true;
        draw();
        break;
      case 'preview':
        addPreview(msg.preview);
        break;
    }
  });
}
