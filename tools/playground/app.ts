/**
 * The playground page: two editors (coroutines, async/await), Run and Step,
 * and for each side the lanes, the loop's ready queue and timers, what
 * happened in the step, and the output. Programs run in ./worker.js.
 */
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting, bracketMatching } from '@codemirror/language';
import { javascript } from '@codemirror/lang-javascript';
import { examples, type Example } from './examples.js';
import { translate, type Language, type TextKey } from './i18n.js';
import { instrument, InstrumentError } from './instrument.js';
import type { Lane, LaneEvent, Recording, RunReply, RunRequest, Snapshot } from './protocol.js';

const options = new URLSearchParams(location.search);
/** The step budget: loop iterations (?iterations=N), and passes of loops in user code between them. */
const MAX_ITERATIONS = Number(options.get('iterations')) || 500;
const MAX_LOOP_PASSES = 200_000;
/** How long the Worker may take before it is terminated (?deadline=MS). */
const WORKER_DEADLINE_MS = Number(options.get('deadline')) || 10_000;
/** Milliseconds between steps while Run plays (?interval=MS). */
const RUN_STEP_MS = Number(options.get('interval')) || 120;

type SideName = 'coroutine' | 'native';

interface Side {
  name: SideName;
  root: HTMLElement;
  editor: EditorView;
  recording: Recording | null;
}

let language: Language = initialLanguage();
let example: Example = examples[0];
let step = -1;
let running: ReturnType<typeof setInterval> | null = null;
let worker: Worker | null = null;
let phase: 'idle' | 'running' | 'stepping' | 'finished' = 'idle';
let failure: string | null = null;

const t = (key: TextKey) => translate(key, language);
const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document) => root.querySelector(selector) as T;

function initialLanguage(): Language {
  const asked = options.get('lang');
  if (asked === 'zh' || asked === 'en') return asked;
  try {
    const saved = localStorage.getItem('whirlwind-playground-language');
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // storage may be off (file://, private mode): English then
  }
  return navigator.language.startsWith('zh') ? 'zh' : 'en';
}

function makeEditor(parent: HTMLElement, doc: string): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        javascript(),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) resetRun();
        }),
      ],
    }),
  });
}

function makeSide(name: SideName): Side {
  const root = $(`#side-${name}`);
  return { name, root, editor: makeEditor($('.editor', root), ''), recording: null };
}

const sides: Side[] = [makeSide('coroutine'), makeSide('native')];

function setCode(side: Side, code: string): void {
  side.editor.dispatch({ changes: { from: 0, to: side.editor.state.doc.length, insert: code } });
}

function loadExample(id: string): void {
  example = examples.find((e) => e.id === id) ?? examples[0];
  setCode(sides[0], example.coroutine);
  setCode(sides[1], example.native);
  resetRun();
}

function resetRun(): void {
  stopAnimation();
  for (const side of sides) side.recording = null;
  step = -1;
  phase = 'idle';
  failure = null;
  render();
}

function stopAnimation(): void {
  if (running !== null) clearInterval(running);
  running = null;
}

function lastStep(): number {
  return Math.max(0, ...sides.map((side) => (side.recording ? side.recording.snapshots.length - 1 : 0)));
}

/** Runs both programs in a fresh Worker; resolves when the recordings are in. */
function execute(): Promise<boolean> {
  let request: RunRequest;
  try {
    request = {
      type: 'run',
      coroutine: instrument(sides[0].editor.state.doc.toString()),
      native: instrument(sides[1].editor.state.doc.toString()),
      maxIterations: MAX_ITERATIONS,
      maxLoopPasses: MAX_LOOP_PASSES,
    };
  } catch (error) {
    failure = error instanceof InstrumentError ? error.message : String(error);
    phase = 'finished';
    render();
    return Promise.resolve(false);
  }
  worker?.terminate();
  const current = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker = current;
  phase = 'running';
  render();
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      current.terminate();
      failure = t('noAnswer').replace('{s}', String(WORKER_DEADLINE_MS / 1000));
      phase = 'finished';
      render();
      resolve(false);
    }, WORKER_DEADLINE_MS);
    current.onmessage = (event: MessageEvent<RunReply>) => {
      clearTimeout(deadline);
      current.terminate();
      sides[0].recording = event.data.coroutine;
      sides[1].recording = event.data.native;
      resolve(true);
    };
    current.onerror = (event) => {
      clearTimeout(deadline);
      failure = event.message;
      phase = 'finished';
      render();
      resolve(false);
    };
    current.postMessage(request);
  });
}

async function onStep(): Promise<void> {
  stopAnimation();
  if (sides[0].recording === null) {
    if (!(await execute())) return;
    step = 0;
  } else if (step < lastStep()) {
    step++;
  }
  phase = step >= lastStep() ? 'finished' : 'stepping';
  render();
}

async function onRun(): Promise<void> {
  stopAnimation();
  if (sides[0].recording === null) {
    if (!(await execute())) return;
    step = 0;
  }
  phase = 'running';
  render();
  running = setInterval(() => {
    if (step >= lastStep()) {
      stopAnimation();
      phase = 'finished';
    } else {
      step++;
    }
    render();
  }, RUN_STEP_MS);
}

function setLanguage(next: Language): void {
  language = next;
  try {
    localStorage.setItem('whirlwind-playground-language', next);
  } catch {
    // not kept: fine
  }
  render();
}

// ---- rendering ----

function element(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function stateLabel(state: Lane['state']): string {
  const keys: Record<Lane['state'], TextKey> = {
    running: 'stateRunning',
    waiting: 'stateWaiting',
    ready: 'stateReady',
    done: 'stateDone',
    failed: 'stateFailed',
    cancelled: 'stateCancelled',
  };
  return t(keys[state]);
}

function lineText(line: number | null): string {
  return line === null ? '' : ` (${t('line')} ${line} ${t('lineSuffix')})`.replace(/\s+\)/, ')');
}

function describeEvent(side: SideName, event: LaneEvent, lanes: Lane[]): string {
  const lane = lanes.find((l) => l.id === event.lane);
  const who = `#${event.lane} ${lane?.name ?? ''}`;
  let what: string;
  switch (event.kind) {
    case 'yield': {
      const verb = side === 'native' ? t('kindAwait') : t('kindYield');
      const how = event.pending
        ? t('givesUp')
        : side === 'native'
          ? `${t('consumed').split(':')[0]}, ${t('suspends')}`
          : t('consumed');
      what = `${verb} ${event.text}${lineText(event.line)} — ${how}`;
      break;
    }
    case 'resume':
      what = `${t('kindResume')} ${event.text}`;
      break;
    case 'throw':
      what = `${t('kindThrow')} ${event.text}`;
      break;
    case 'start':
      what = t('kindStart');
      break;
    case 'cancel':
      what = t('kindCancel');
      break;
    case 'finish':
      what = `${t('kindFinish')}: ${event.text}`;
      break;
  }
  const where =
    event.phase === 'microtask' ? ` [${t('microtask')}]` : event.phase === 'script' ? ` [${t('topLevel')}]` : '';
  return `${who} ${what}${where}`;
}

/** The timeline shows the last this many steps (a long run stays cheap to draw and to read). */
const MAX_COLUMNS = 40;

function renderLanes(side: Side, all: Snapshot[], current: Snapshot | null): HTMLElement {
  const shown = all.slice(-MAX_COLUMNS);
  const table = element('table', { class: 'lanes' });
  const header = element('tr', {}, element('th', {}, t('lanes')));
  shown.forEach((snapshot, index) => {
    // The last snapshot may hold only what ran in microtasks after the loop's last iteration.
    const previous = index > 0 ? shown[index - 1] : all[all.length - shown.length - 1];
    const label =
      previous !== undefined && snapshot.iteration === previous.iteration
        ? `${snapshot.iteration}+`
        : String(snapshot.iteration);
    header.append(element('th', { class: index === shown.length - 1 ? 'now' : '' }, label));
  });
  table.append(header);
  for (const lane of current?.lanes ?? []) {
    const label = element(
      'th',
      { class: 'lane-label' },
      element('span', { class: 'name' }, `#${lane.id} ${lane.name}`),
      ' ',
      element('span', { class: 'state', 'data-state': lane.state }, stateLabel(lane.state)),
    );
    if (lane.waitingOn && (lane.state === 'waiting' || lane.state === 'ready')) {
      label.append(element('div', { class: 'waiting' }, `${t('waitingOn')} ${lane.waitingOn}${lineText(lane.line)}`));
    }
    if (lane.lastSent) label.append(element('div', { class: 'sent' }, `${t('lastSent')}: ${lane.lastSent}`));
    if (lane.state === 'done' || lane.state === 'failed' || lane.state === 'cancelled') {
      label.append(element('div', { class: 'outcome' }, `= ${lane.outcome}`));
    }
    const row = element('tr', { class: 'lane', 'data-lane': String(lane.id), 'data-state': lane.state }, label);
    for (const snapshot of shown) {
      const then = snapshot.lanes.find((l) => l.id === lane.id);
      const events = snapshot.events.filter((e) => e.lane === lane.id);
      const marks = events.map((e) => markOf(side.name, e)).join('');
      const cell = element(
        'td',
        { class: `cell ${then ? then.state : 'absent'}${events.length > 0 ? ' active' : ''}` },
        marks,
      );
      cell.title = events.map((e) => describeEvent(side.name, e, snapshot.lanes)).join('\n');
      row.append(cell);
    }
    table.append(row);
  }
  return table;
}

/** One mark per event in a lane's cell (the legend under the lanes explains them). */
function markOf(side: SideName, event: LaneEvent): string {
  switch (event.kind) {
    case 'start':
      return '▶';
    case 'yield':
      return event.pending ? '‖' : side === 'native' ? '↻' : '✓';
    case 'throw':
      return '!';
    case 'cancel':
      return '✕';
    case 'finish':
      return '■';
    default:
      return '';
  }
}

function renderList(title: string, items: string[], className: string): HTMLElement {
  const list = element('ul', { class: className });
  for (const item of items) list.append(element('li', {}, item));
  if (items.length === 0) list.append(element('li', { class: 'empty' }, t('empty')));
  return element('div', { class: 'panel' }, element('h3', {}, `${title} (${items.length})`), list);
}

function renderSide(side: Side): void {
  const view = $('.view', side.root);
  view.replaceChildren();
  const recording = side.recording;
  if (recording === null || step < 0) return;
  const index = Math.min(step, recording.snapshots.length - 1);
  const shown = recording.snapshots.slice(0, index + 1);
  const current = shown[shown.length - 1];
  view.append(
    element(
      'div',
      { class: 'clock' },
      `${t('iteration')} ${current.iteration} · ${t('time')} ${current.time.toFixed(1)} ms · ${t('stepOf')} ${index} / ${recording.snapshots.length - 1}`,
    ),
    renderLanes(side, shown, current),
    element('div', { class: 'legend' }, t('legend')),
  );
  const loop = element('div', { class: 'loop' });
  loop.append(
    renderList(t('readyQueue'), current.ready, 'ready'),
    renderList(
      t('timers'),
      current.timers.map((timer) => `${t('dueIn')} ${timer.dueIn.toFixed(1)} ms: ${timer.what}`),
      'timers',
    ),
    renderList(
      t('thisStep'),
      current.events.map((e) => describeEvent(side.name, e, current.lanes)),
      'events',
    ),
  );
  view.append(loop);
  const errors = recording.errors.filter((error) => error.step <= index);
  const stoppedHere = recording.stopped !== null && index === recording.snapshots.length - 1;
  if (errors.length > 0 || stoppedHere) {
    const box = element('div', { class: 'errors', role: 'alert' });
    for (const error of errors) {
      const where = error.lane === null ? t('atTopLevel') : `${t('errorIn')} #${error.lane} ${error.coroutine}`;
      const thrownAt = error.yieldLine === null ? '' : `; ${t('resumedFrom')} ${error.yieldLine}`;
      box.append(element('div', { class: 'error' }, `${error.message} — ${where}${lineText(error.line)}${thrownAt}`));
    }
    if (stoppedHere) box.append(element('div', { class: 'stopped' }, `${t('stopped')}: ${recording.stopped}`));
    view.append(box);
  }
  const output = element('pre', { class: 'output', 'aria-label': t('output') });
  for (const line of shown.flatMap((snapshot) => snapshot.output)) {
    output.append(element('span', { class: line.stream }, `[${line.time.toFixed(0).padStart(4)} ms] ${line.text}\n`));
  }
  view.append(element('h3', {}, t('output')), output);
}

function render(): void {
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]'))
    node.textContent = t(node.dataset.i18n as TextKey);
  $('#lang').textContent = t('otherLanguage');
  const select = $<HTMLSelectElement>('#example');
  select.replaceChildren(...examples.map((e) => element('option', { value: e.id }, e.title[language])));
  select.value = example.id;
  $('#note').textContent = example.note[language];
  const status = $('#status');
  status.dataset.phase = phase;
  status.textContent =
    failure !== null
      ? failure
      : phase === 'idle'
        ? t('idle')
        : phase === 'finished'
          ? t('finished')
          : step < 0
            ? t('running')
            : `${t('stepOf')} ${step} / ${lastStep()}`;
  for (const side of sides) renderSide(side);
}

$('#example').addEventListener('change', (event) => loadExample((event.target as HTMLSelectElement).value));
$('#run').addEventListener('click', () => void onRun());
$('#step').addEventListener('click', () => void onStep());
$('#reset').addEventListener('click', resetRun);
$('#lang').addEventListener('click', () => setLanguage(language === 'en' ? 'zh' : 'en'));

loadExample(options.get('example') ?? examples[0].id);

/** For tests and the console: the examples, and the editors' text. */
Object.assign(window, {
  playground: {
    examples: examples.map((e) => e.id),
    setCode: (name: SideName, code: string) => setCode(sides.find((s) => s.name === name)!, code),
  },
});
