/** What the page and the playground Worker say to each other. */

export type LaneState = 'running' | 'waiting' | 'ready' | 'done' | 'failed' | 'cancelled';

/** One coroutine (or async function call) as it stands between two loop iterations. */
export interface Lane {
  id: number;
  name: string;
  state: LaneState;
  /** What it is suspended on (a Future, a Promise, a moment), if it is. */
  waitingOn: string;
  /** Source line of that yield or await. */
  line: number | null;
  /** The value (or exception) last sent in at a resume. */
  lastSent: string;
  /** How it ended, once it did. */
  outcome: string;
}

export type EventKind = 'start' | 'yield' | 'resume' | 'throw' | 'cancel' | 'finish';

/** Something a lane did during a step. */
export interface LaneEvent {
  lane: number;
  kind: EventKind;
  text: string;
  line: number | null;
  /** 'loop': inside a loop iteration; 'microtask': between iterations (where native await resumes); 'script': top level. */
  phase: 'loop' | 'microtask' | 'script';
  /** For yield/await: false if the value was already done (a coroutine goes on without giving up control). */
  pending?: boolean;
}

export interface OutputLine {
  text: string;
  stream: 'out' | 'err';
  /** Simulated milliseconds since the run began. */
  time: number;
}

export interface Timer {
  /** Milliseconds from the snapshot's time until it is due. */
  dueIn: number;
  what: string;
}

/** The state after one loop iteration (the first snapshot: after the top-level script). */
export interface Snapshot {
  iteration: number;
  /** Simulated milliseconds since the run began. */
  time: number;
  lanes: Lane[];
  ready: string[];
  timers: Timer[];
  events: LaneEvent[];
  output: OutputLine[];
}

export interface RunError {
  message: string;
  /** Index of the snapshot whose step it happened in. */
  step: number;
  lane: number | null;
  coroutine: string | null;
  line: number | null;
  /** The yield or await the coroutine was suspended at when the exception came in, if it was. */
  yieldLine: number | null;
}

export interface Recording {
  snapshots: Snapshot[];
  errors: RunError[];
  /** Why the run was cut short (step budget), or null. */
  stopped: string | null;
}

export interface RunRequest {
  type: 'run';
  /** Instrumented source of the coroutine version. */
  coroutine: string;
  /** Instrumented source of the async/await version. */
  native: string;
  maxIterations: number;
  maxLoopPasses: number;
}

export interface RunReply {
  type: 'done';
  coroutine: Recording;
  native: Recording;
}
