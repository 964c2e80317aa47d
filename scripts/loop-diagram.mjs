#!/usr/bin/env node
/**
 * Draws the guide's "what is a loop iteration" diagram: the IOLoop's timer
 * heap, ready queue and one iteration, on top of Node's own event loop and
 * its microtask queue. Writes docs/loop-iteration.svg (English) and
 * docs/zh-CN/loop-iteration.svg (Chinese) from one layout, so the two
 * cannot drift; spec/loop-diagram.spec.ts fails when a checked-in file is
 * not what this script makes. Run `node scripts/loop-diagram.mjs` after
 * changing it.
 *
 * Plain SVG text, no external service and no dependency: what the picture
 * claims is checked against lib/ioloop.ts by the guide's runnable examples
 * (chapter 2), not by this script.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The words of the picture, per language; each label is a list of lines. */
const LABELS = {
  en: {
    font: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
    title: 'One IOLoop iteration, on top of Node\u2019s event loop',
    node: 'Node\u2019s event loop (libuv)',
    timersPhase: ['timers', 'Node\u2019s setTimeout callbacks'],
    pollPhase: ['poll', 'sockets and files: I/O callbacks'],
    checkPhase: ['check', 'setImmediate callbacks'],
    microtasks: ['microtask queue', 'promise reactions: await, .then', 'emptied after every callback Node runs'],
    ioloop: 'whirlwind IOLoop',
    timerHeap: 'timer heap (earliest deadline first)',
    timerDue: 't1 due',
    timerLater: 't2 later',
    readyQueue: 'ready queue (first in, first out)',
    queuedMeanwhile: ['queued during', 'iteration n'],
    iteration: [
      'iteration n  (loop.iteration counts them)',
      '1. take the ready queue as it is: A, B, C',
      '2. add the timers that are due: t1',
      '3. run them in that order',
      '4. D, queued while they ran, waits for',
      '    iteration n + 1',
    ],
    legend: [
      'An iteration runs in a microtask, the cheapest hop Node has; awaits and .then callbacks run there too.',
      'After 256 iterations in a row, the next one goes through setImmediate, so Node\u2019s I/O and timers get a turn.',
      'The IOLoop keeps one Node setTimeout, for its earliest deadline; when it fires, an iteration runs the due timers.',
      'An I/O callback sets a Future: done() flips at once, and its done callbacks join the ready queue.',
    ],
  },
  zh: {
    font: "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    title: 'IOLoop 的一轮循环，运行在 Node 的事件循环之上',
    node: 'Node 的事件循环（libuv）',
    timersPhase: ['timers 阶段', 'Node 的 setTimeout 回调'],
    pollPhase: ['poll 阶段', '套接字和文件：I/O 回调'],
    checkPhase: ['check 阶段', 'setImmediate 回调'],
    microtasks: ['微任务队列', 'Promise 反应：await、.then', 'Node 每运行完一个回调，就把它清空'],
    ioloop: 'whirlwind 的 IOLoop',
    timerHeap: '定时器堆（截止时间最早的在前）',
    timerDue: 't1 已到期',
    timerLater: 't2 未到期',
    readyQueue: '就绪队列（先进先出）',
    queuedMeanwhile: ['第 n 轮中', '新加入'],
    iteration: [
      '第 n 轮（loop.iteration 记录轮数）',
      '1. 取出此刻的就绪队列：A、B、C',
      '2. 加上已到期的定时器：t1',
      '3. 按这个顺序逐个运行',
      '4. 运行期间加入的 D 等到',
      '    第 n + 1 轮',
    ],
    legend: [
      '每一轮都在一个微任务里运行，这是 Node 中代价最小的跳转；await 和 .then 的回调也在微任务里运行。',
      '连续运行 256 轮之后，下一轮改经 setImmediate 运行，让 Node 的 I/O 和定时器也轮得上。',
      'IOLoop 只为最早的截止时间设一个 Node setTimeout；它触发时，新的一轮运行到期的定时器。',
      'I/O 回调设置 Future：done() 立即变为真，它的结束回调进入就绪队列。',
    ],
  },
};

const WIDTH = 820;
const HEIGHT = 600;

function escapeXml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Lines of text from (x, y), the first one bold when `boldFirst`. */
function text(x, y, lines, { size = 13, boldFirst = false, anchor = 'start', color = '#222', lineHeight = 18 } = {}) {
  return lines
    .map((line, index) => {
      const weight = boldFirst && index === 0 ? ' font-weight="bold"' : '';
      return `<text x="${x}" y="${y + index * lineHeight}" font-size="${size}" text-anchor="${anchor}" fill="${color}"${weight} xml:space="preserve">${escapeXml(line)}</text>`;
    })
    .join('\n');
}

function box(x, y, width, height, { fill, stroke, dashed = false, radius = 8 }) {
  const dash = dashed ? ' stroke-dasharray="5 4"' : '';
  return `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="${radius}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${dash}/>`;
}

/** An arrow from (x1, y1) to (x2, y2) with a numbered circle at its middle. */
function numberedArrow(number, x1, y1, x2, y2) {
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return [
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#444" stroke-width="1.6" marker-end="url(#arrow)"/>`,
    `<circle cx="${mx}" cy="${my}" r="10" fill="#fff" stroke="#444" stroke-width="1.4"/>`,
    text(mx, my + 4.5, [String(number)], { size: 12, anchor: 'middle', boldFirst: true }),
  ].join('\n');
}

const NODE = { fill: '#eef3fb', stroke: '#5b7db1' };
const IOLOOP = { fill: '#fff4e6', stroke: '#d9822b' };
const MICROTASKS = { fill: '#edf7ed', stroke: '#4a9a4a' };
const SLOT = { fill: '#ffffff', stroke: '#d9822b', radius: 4 };

/** The diagram as SVG text, labelled in `language` ('en' or 'zh'). */
export function loopDiagramSvg(language) {
  const words = LABELS[language];
  if (words === undefined)
    throw new Error(`no labels for language ${language}; expected one of ${Object.keys(LABELS).join(', ')}`);
  const phase = (y, lines) =>
    [box(50, y, 300, 58, { fill: '#ffffff', stroke: NODE.stroke }), text(66, y + 24, lines, { boldFirst: true })].join(
      '\n',
    );
  const slot = (x, y, label, options = SLOT) =>
    [box(x, y, 54, 30, options), text(x + 27, y + 20, [label], { anchor: 'middle', boldFirst: true })].join('\n');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${escapeXml(words.font)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 30, [words.title], { size: 17, anchor: 'middle', boldFirst: true }),
    // Node's event loop: three phases in a cycle.
    box(20, 50, 360, 300, NODE),
    text(36, 74, [words.node], { size: 14, boldFirst: true }),
    phase(90, words.timersPhase),
    phase(170, words.pollPhase),
    phase(250, words.checkPhase),
    '<line x1="200" y1="148" x2="200" y2="168" stroke="#5b7db1" stroke-width="1.6" marker-end="url(#arrow)"/>',
    '<line x1="200" y1="228" x2="200" y2="248" stroke="#5b7db1" stroke-width="1.6" marker-end="url(#arrow)"/>',
    '<path d="M50,279 L34,279 L34,119 L48,119" fill="none" stroke="#5b7db1" stroke-width="1.6" marker-end="url(#arrow)"/>',
    // The microtask queue Node empties after each callback.
    box(20, 372, 360, 82, MICROTASKS),
    text(36, 396, words.microtasks, { boldFirst: true }),
    // The IOLoop: timer heap, ready queue, one iteration.
    box(440, 50, 360, 404, IOLOOP),
    text(456, 74, [words.ioloop], { size: 14, boldFirst: true }),
    text(456, 100, [words.timerHeap], { size: 12, color: '#555' }),
    box(456, 108, 86, 30, SLOT),
    text(499, 128, [words.timerDue], { anchor: 'middle', boldFirst: true }),
    box(550, 108, 86, 30, { ...SLOT, dashed: true }),
    text(593, 128, [words.timerLater], { anchor: 'middle', color: '#777' }),
    text(456, 170, [words.readyQueue], { size: 12, color: '#555' }),
    slot(456, 178, 'A'),
    slot(516, 178, 'B'),
    slot(576, 178, 'C'),
    slot(660, 178, 'D', { ...SLOT, dashed: true }),
    text(687, 226, words.queuedMeanwhile, { size: 11, anchor: 'middle', color: '#777', lineHeight: 14 }),
    box(456, 262, 328, 176, { fill: '#ffffff', stroke: IOLOOP.stroke }),
    text(470, 286, words.iteration, { boldFirst: true, lineHeight: 26 }),
    // How the two loops meet.
    numberedArrow(1, 440, 420, 384, 420),
    numberedArrow(2, 440, 300, 354, 282),
    numberedArrow(3, 440, 123, 354, 119),
    numberedArrow(4, 354, 199, 440, 193),
    // The legend for the numbered arrows.
    ...words.legend.map((line, index) =>
      [
        `<circle cx="32" cy="${484 + index * 28}" r="10" fill="#fff" stroke="#444" stroke-width="1.4"/>`,
        text(32, 488.5 + index * 28, [String(index + 1)], { size: 12, anchor: 'middle', boldFirst: true }),
        text(50, 489 + index * 28, [line], { size: 12.5 }),
      ].join('\n'),
    ),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

/** Where each language's picture is checked in, relative to the repository root. */
export const DIAGRAM_FILES = { en: 'docs/loop-iteration.svg', zh: 'docs/zh-CN/loop-iteration.svg' };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [language, file] of Object.entries(DIAGRAM_FILES))
    writeFileSync(join(root, file), loopDiagramSvg(language));
}
