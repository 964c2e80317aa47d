/** Interface text in English and Chinese. */
export type Language = 'en' | 'zh';

const text = {
  title: { en: 'whirlwind runner playground', zh: 'whirlwind 运行器游乐场' },
  example: { en: 'Example', zh: '示例' },
  run: { en: 'Run', zh: '运行' },
  step: { en: 'Step', zh: '单步' },
  reset: { en: 'Reset', zh: '重置' },
  otherLanguage: { en: '中文', zh: 'English' },
  coroutineSide: { en: 'Coroutines (gen.coroutine)', zh: '协程（gen.coroutine）' },
  nativeSide: { en: 'The same with async/await', zh: '同一程序的 async/await 写法' },
  lanes: { en: 'Lanes: one per coroutine', zh: '泳道：每个协程一条' },
  iteration: { en: 'iteration', zh: '轮次' },
  time: { en: 'time', zh: '时间' },
  readyQueue: { en: 'Ready queue', zh: '就绪队列' },
  timers: { en: 'Timers', zh: '定时器' },
  thisStep: { en: 'This step', zh: '本步发生' },
  output: { en: 'Output', zh: '输出' },
  empty: { en: '(empty)', zh: '（空）' },
  waitingOn: { en: 'waiting on', zh: '等待' },
  lastSent: { en: 'last sent in', zh: '最近送入' },
  line: { en: 'line', zh: '第' },
  lineSuffix: { en: '', zh: '行' },
  dueIn: { en: 'in', zh: '还有' },
  stateRunning: { en: 'running', zh: '运行中' },
  stateWaiting: { en: 'waiting', zh: '等待中' },
  stateReady: { en: 'ready to resume', zh: '待恢复' },
  stateDone: { en: 'done', zh: '已结束' },
  stateFailed: { en: 'failed', zh: '失败' },
  stateCancelled: { en: 'cancelled', zh: '已取消' },
  idle: {
    en: 'Press Run, or Step through one loop iteration at a time.',
    zh: '按“运行”，或按“单步”每次运行一轮循环。',
  },
  running: { en: 'Running in a Worker...', zh: '正在 Worker 中运行……' },
  stepOf: { en: 'step', zh: '步' },
  finished: { en: 'Finished.', zh: '运行结束。' },
  stopped: { en: 'Stopped', zh: '已终止' },
  errorIn: { en: 'in coroutine', zh: '出错的协程' },
  atTopLevel: { en: 'at the top level', zh: '位于顶层代码' },
  resumedFrom: { en: 'thrown in at the yield on line', zh: '在此 yield 处被抛入，行' },
  noAnswer: {
    en: 'The Worker did not answer within {s} s and was terminated.',
    zh: 'Worker 在 {s} 秒内没有响应，已被终止。',
  },
  kindStart: { en: 'start', zh: '开始' },
  kindYield: { en: 'yield', zh: 'yield' },
  kindAwait: { en: 'await', zh: 'await' },
  kindResume: { en: 'resumed with', zh: '恢复，送入' },
  kindThrow: { en: 'exception thrown in', zh: '抛入异常' },
  kindCancel: { en: 'cancel requested', zh: '请求取消' },
  kindFinish: { en: 'finished', zh: '结束' },
  givesUp: { en: 'pending: gives up control', zh: '待定：让出控制' },
  consumed: { en: 'done: consumed at once', zh: '已结束：立即取用' },
  suspends: { en: 'await suspends even so', zh: 'await 仍会挂起' },
  microtask: { en: 'between iterations (microtask)', zh: '两轮之间（微任务）' },
  topLevel: { en: 'top-level script', zh: '顶层脚本' },
  legend: {
    en: '▶ start · ‖ gave up control (pending) · ✓ done Future consumed at once · ↻ await of a done value: suspends all the same · ! exception thrown in · ✕ cancel · ■ finished',
    zh: '▶ 开始 · ‖ 让出控制（待定） · ✓ 已结束的 Future 立即取用 · ↻ await 已结束的值：照样挂起 · ! 抛入异常 · ✕ 取消 · ■ 结束',
  },
  offline: {
    en: 'Runs in your browser, in a Worker: nothing is sent anywhere.',
    zh: '在浏览器的 Worker 中运行：不向任何地方发送数据。',
  },
} satisfies Record<string, Record<Language, string>>;

export type TextKey = keyof typeof text;

export function translate(key: TextKey, language: Language): string {
  return text[key][language];
}
