// What the curves panel does with each message from the host.
import type { ToCurvesWebview } from '../protocol';
import { COMMON_HANDLERS, listenTo } from '../../shared/app/ui';
import { append, highlight, render, renderRuns } from './drawing';
import { app, data, keepState } from './state';

export function listen(): void {
  listenTo<ToCurvesWebview>({
    runs: (msg) => {
      app.runs = msg.runs;
      app.state.runs = msg.runs.map((r) => r.path);
      for (const p of [...data.keys()]) if (!app.state.runs.includes(p)) data.delete(p);
      keepState();
      renderRuns();
      render();
    },
    data: (msg) => {
      if (msg.reset || !data.has(msg.run)) data.set(msg.run, new Map());
      let rebuild = msg.reset;
      for (const [tag, s] of Object.entries(msg.tags)) if (append(msg.run, tag, s)) rebuild = true;
      if (rebuild) render();
    },
    focus: (msg) => {
      app.state.focus = msg.tag;
      keepState();
      highlight(msg.tag);
    },
    error: COMMON_HANDLERS.error,
  });
}
