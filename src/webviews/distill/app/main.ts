// The "Distil a Student" form: vscode-elements controls, validation as you type (settingsProblems),
// the run's epochs as they finish, the student at the end.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { $, busyRow, clearStale, COMMON_HANDLERS, el, listenTo, select, showError, webviewApi } from '../../shared/app/ui';
import { settingsProblems, type DistillFormState, type FromDistillWebview, type ToDistillWebview } from '../protocol';

const vscode = webviewApi<FromDistillWebview, DistillFormState>();
let state = vscode.initialState;
let terms: { name: string; title: string; paper: string }[] = [];
const post = (m: FromDistillWebview) => vscode.post(m);
/** The last epoch the run finished (the list shows only the latest few). */
let lastEpoch = 0;
const save = () => vscode.save(state);

const shortPath = (p: string | undefined) => (p ? p.split(/[\\/]/).slice(-3).join('/') : 'not chosen');

function pathRow(id: 'teacher' | 'teacher2' | 'studentFile' | 'data' | 'logdir', label: string, extra?: HTMLElement): HTMLElement {
  const b = el('vscode-button', { id: `pick-${id}`, secondary: '' }, 'Choose…');
  b.addEventListener('click', () => post({ type: 'pick', what: id }));
  return el(
    'div',
    { class: 'path-row' },
    el('span', { class: 'path-label' }, label),
    el('code', { id: `path-${id}`, title: state[id] ?? '' }, shortPath(state[id])),
    b,
    ...(extra ? [extra] : []),
  );
}

function field(id: string, label: string, value: string | number, apply: (v: string) => void, type = 'number'): HTMLElement {
  // A fine step: decimals (a weight of 0.5, a learning rate of 0.001) are valid numbers, not marked as errors
  // (vscode-textfield reads step as a number, so "any" would not do).
  const f = el('vscode-textfield', { id, type, value: String(value), 'aria-label': label, ...(type === 'number' ? { step: '0.000001' } : {}) });
  f.addEventListener('input', () => {
    apply((f as unknown as { value: string }).value);
    validate();
  });
  return el('div', { class: 'field' }, el('vscode-label', { for: id }, label), f);
}

function validate(): boolean {
  const problems = settingsProblems(state.settings);
  $('form-errors').replaceChildren(...problems.map((p) => el('li', {}, p)));
  ($('start') as unknown as { disabled: boolean }).disabled = problems.length > 0;
  save();
  return problems.length === 0;
}

function render(): void {
  const s = state.settings;
  const clear2 = el('vscode-button', { id: 'clear-teacher2', secondary: '' }, 'Clear');
  clear2.addEventListener('click', () => post({ type: 'clear', what: 'teacher2' }));
  const lossRows = terms.map((t) => {
    const on = t.name in s.loss;
    const box = el('vscode-checkbox', { id: `term-${t.name}`, ...(on ? { checked: '' } : {}), title: t.paper }, `${t.title} (${t.name})`);
    const weight = el('vscode-textfield', {
      id: `weight-${t.name}`,
      type: 'number',
      step: '0.000001',
      value: String(s.loss[t.name] ?? 1),
      'aria-label': `Weight of ${t.name}`,
      ...(on ? {} : { disabled: '' }),
    });
    box.addEventListener('change', () => {
      const checked = (box as unknown as { checked: boolean }).checked;
      if (checked) s.loss[t.name] = Number((weight as unknown as { value: string }).value) || 1;
      else delete s.loss[t.name];
      (weight as unknown as { disabled: boolean }).disabled = !checked;
      validate();
    });
    weight.addEventListener('input', () => {
      if (t.name in s.loss) s.loss[t.name] = Number((weight as unknown as { value: string }).value);
      validate();
    });
    return el('div', { class: 'term-row' }, box, weight);
  });
  $('form').replaceChildren(
    el('h2', {}, 'Teachers'),
    pathRow('teacher', 'Teacher'),
    pathRow('teacher2', 'Second teacher (ASDT, optional)', clear2),
    el(
      'div',
      { class: 'controls', id: 'asdt', ...(state.teacher2 ? {} : { hidden: '' }) },
      field('period', 'ASDT period (steps)', s.period, (v) => (s.period = Number(v))),
      field('duty', 'Duty cycle (teacher 1’s share)', s.duty, (v) => (s.duty = Number(v))),
    ),
    el('h2', {}, 'Student'),
    el(
      'div',
      { class: 'controls' },
      select(
        'student',
        'Architecture',
        [
          ['cnn', 'cnn — conv blocks of 16, 32, 64 × width'],
          ['mobilenetv2', 'mobilenetv2 — MobileNetV2 × alpha'],
          ['file', 'a TF.js layers model file'],
        ],
        s.student,
        (v) => {
          s.student = v as typeof s.student;
          render();
        },
      ),
      ...(s.student === 'file' ? [] : [field('width', s.student === 'cnn' ? 'Width' : 'Alpha', s.width, (v) => (s.width = Number(v)))]),
    ),
    ...(s.student === 'file' ? [pathRow('studentFile', 'Student file')] : []),
    el('h2', {}, 'Data'),
    pathRow('data', 'Training images'),
    el(
      'div',
      { class: 'controls' },
      field('val-split', 'Validation share', s.valSplit, (v) => (s.valSplit = Number(v))),
    ),
    el('h2', {}, 'Losses (weights as they enter the total)'),
    el('div', { class: 'terms' }, ...lossRows),
    el('h2', {}, 'Training'),
    el(
      'div',
      { class: 'controls' },
      field('temperature', 'Temperature', s.temperature, (v) => (s.temperature = Number(v))),
      field('epochs', 'Epochs', s.epochs, (v) => (s.epochs = Number(v))),
      field('batch-size', 'Batch size', s.batchSize, (v) => (s.batchSize = Number(v))),
      field('lr', 'Learning rate', s.lr, (v) => (s.lr = Number(v))),
      select(
        'optimizer',
        'Optimiser',
        [
          ['adam', 'Adam'],
          ['sgd', 'SGD, momentum 0.9'],
        ],
        s.optimizer,
        (v) => {
          s.optimizer = v as 'adam' | 'sgd';
          validate();
        },
      ),
      field('seed', 'Seed', s.seed, (v) => (s.seed = Number(v))),
      field('run-name', 'Run name (optional)', s.runName, (v) => (s.runName = v), 'text'),
    ),
    pathRow('logdir', 'Runs folder'),
  );
  validate();
}

function layout(): void {
  vscode.root.replaceChildren(
    el(
      'header',
      {},
      el(
        'div',
        {},
        el('h1', {}, 'Distil a student'),
        el('p', { class: 'muted' }, 'The run trains in its own worker: the other panels keep working. The curves open beside it.'),
      ),
      el('div', { class: 'actions' }, el('vscode-button', { id: 'start' }, 'Start training')),
    ),
    el('ul', { id: 'form-errors', class: 'field-error' }),
    ...busyRow(),
    el('section', { id: 'run', class: 'result-view' }, el('ol', { id: 'epoch-list' }), el('div', { id: 'done', class: 'actions', hidden: '' })),
    el('section', { id: 'form' }),
  );
  $('start').addEventListener('click', () => {
    if (!validate()) return;
    $('error').hidden = true;
    $('epoch-list').replaceChildren();
    lastEpoch = 0;
    $('done').hidden = true;
    post({ type: 'start', settings: state.settings });
  });
  $('cancel').addEventListener('click', () => post({ type: 'cancel' }));
}

listenTo<ToDistillWebview>({
  ...COMMON_HANDLERS,
  error: (msg) => showError(msg.message),
  // A cancelled run keeps what it wrote: say so (not the panels' "previous result" note).
  cancelled: () => {
    const n = lastEpoch;
    $('status').textContent = `Training cancelled after ${n} epoch${n === 1 ? '' : 's'}: the checkpoints and logs written so far are kept.`;
  },
  init: (msg) => {
    terms = msg.terms;
    state = { ...msg.state, settings: { ...msg.state.settings, ...state.settings } };
    render();
  },
  state: (msg) => {
    state = { ...msg.state, settings: state.settings };
    render();
  },
  started: (msg) => {
    clearStale();
    $('status').textContent = `Training ${msg.run}…`;
  },
  epoch: (msg) => {
    const e = msg.epoch;
    lastEpoch = e.epoch;
    // The latest epochs only: the curves panel has the whole run.
    const list = $('epoch-list');
    while (list.childElementCount >= 8) list.firstElementChild?.remove();
    list.setAttribute('start', String(Math.max(1, e.epoch - list.childElementCount)));
    list.append(
      el(
        'li',
        { class: 'epoch' },
        `Epoch ${e.epoch} of ${msg.epochs}: train accuracy ${(100 * e.trainAccuracy).toFixed(1)} %, validation ${Number.isFinite(e.valAccuracy) ? `${(100 * e.valAccuracy).toFixed(1)} %` : '—'} · ${shortPath(e.checkpoint)}`,
      ),
    );
  },
  done: (msg) => {
    const open = el('vscode-button', { id: 'open-student' }, 'Open the Student');
    open.addEventListener('click', () => post({ type: 'openStudent' }));
    const compare = el('vscode-button', { id: 'compare', secondary: '' }, 'Compare with the Teacher');
    compare.addEventListener('click', () => post({ type: 'compare' }));
    $('done').replaceChildren(el('span', {}, `Student: ${msg.result.student}`), open, compare);
    $('done').hidden = false;
  },
});

layout();
if (state.settings) render();
post({ type: 'ready' });
