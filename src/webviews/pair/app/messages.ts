// What the pair panel does with each message from the host.
import { $, clearStale, COMMON_HANDLERS, listenTo, paint } from '../../shared/app/ui';
import type { ToPairWebview } from '../protocol';
import { renderControls } from './controls';
import { draw, drawPartial, renderNames } from './drawing';
import { app, rerun } from './state';

export function listen(): void {
  listenTo<ToPairWebview>({
    ...COMMON_HANDLERS,
    init: (msg) => {
      app.model = msg.model;
      app.luts = msg.luts;
      app.state = {
        ...msg.state,
        settings: { ...msg.state.settings, ...app.state.settings },
        second: app.state.second ?? msg.state.second,
        imageA: app.state.imageA ?? msg.state.imageA,
      };
      $('model-name').textContent = `${app.model.path.split(/[\\/]/).slice(-2).join('/')} — similarity of two views`;
      renderControls();
      renderNames();
      rerun();
    },
    state: (msg) => {
      app.state = { ...app.state, imageA: msg.state.imageA, second: msg.state.second };
      // New views: the old maps and numbers no longer apply.
      app.result = app.main = app.probe = undefined;
      for (const view of ['a', 'b'] as const) paint($(`overlay-${view}`) as HTMLCanvasElement, new ImageData(1, 1));
      $('timing').textContent = '';
      $('similarity').textContent = 'Explaining the new views…';
      renderControls();
      renderNames();
      rerun();
    },
    partial: (msg) => drawPartial(msg.partial.view, msg.partial.grid),
    result: (msg) => {
      clearStale();
      app.result = msg.result;
      app.probe = msg.probe;
      if (!app.probe) app.main = msg.result;
      $('error').hidden = true;
      renderNames();
      draw();
    },
  });
}
