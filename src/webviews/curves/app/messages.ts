// What the curves panel does with each message from the host.
import type { ToCurvesWebview } from '../protocol';
import { COMMON_HANDLERS, listenTo } from '../../shared/app/ui';
import { append, highlight, render } from './drawing';
import { renderHparams } from './hparams';
import { renderRuns } from './legend';
import { app, data, keepState } from './state';

export function listen(): void {
  listenTo<ToCurvesWebview>({
    runs: (msg) => {
      app.runs = msg.runs;
      app.state.runs = msg.runs.map((r) => r.path);
      if (msg.view) {
        app.filter = msg.view.filter;
        app.state.filter = msg.view.filter || undefined;
        app.state.settings.hiddenRuns = msg.view.hiddenRuns;
        const field = document.getElementById('filter') as (HTMLElement & { value: string }) | null;
        if (field && field.value !== msg.view.filter) field.value = msg.view.filter;
      }
      for (const p of [...data.keys()]) if (!app.state.runs.includes(p)) data.delete(p);
      keepState();
      renderRuns(render);
      render();
    },
    data: (msg) => {
      if (msg.reset || !data.has(msg.run)) data.set(msg.run, new Map());
      let rebuild = msg.reset;
      for (const [tag, s] of Object.entries(msg.tags)) if (append(msg.run, tag, s)) rebuild = true;
      if (rebuild) render();
      else renderHparams(); // the final metrics moved
    },
    focus: (msg) => {
      app.state.focus = msg.tag;
      keepState();
      highlight(msg.tag);
    },
    error: COMMON_HANDLERS.error,
  });
}
