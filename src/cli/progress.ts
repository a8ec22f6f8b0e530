/**
 * Progress of `import` on standard error. On a terminal: the objects checked so far while the first
 * pass reads the input, then a bar (cli-progress) with the percentage written, the rate and the time
 * left, rewritten in place. Elsewhere (a log, a pipe): plain lines, once the import has run for one
 * interval, then at most one per interval or per further 10% written, and a last line with the totals
 * when any line was written — so a short import writes nothing.
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from '../ingest/index.ts';

/** What an import reports, as the options of `importDumps` and `importExports` take it. */
export interface ProgressReporter {
  /** The first pass's objects so far (a streamed dump import). */
  readonly onScan: (scan: { readonly objects: number }) => void;
  /** After each written batch. */
  readonly onProgress: (progress: ImportProgress) => void;
  /** Ends the report: the bar stops; a last line with the totals goes out if lines did and `completed`. */
  finish(completed: boolean): void;
}

/** Where progress goes and how often plain lines may come. */
export interface ProgressTarget {
  readonly stream: NodeJS.WriteStream;
  /** Plain lines: the shortest time between two, and before the first (0: after every batch). */
  readonly intervalMs: number;
  /** The clock, in milliseconds (tests may pass their own). */
  readonly now?: () => number;
}

/** A reporter for an import: a bar on a terminal, plain lines otherwise. */
export function importProgress(target: ProgressTarget): ProgressReporter {
  return target.stream.isTTY ? new BarReporter(target.stream) : new LineReporter(target);
}

/** `12.3k objects/s`-style rate of `count` over `ms`. */
function rate(count: number, ms: number): string {
  const perSecond = ms > 0 ? (count * 1000) / ms : 0;
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond.toFixed(0);
}

/** `1m05s`, `12s`. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds >= 60
    ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
    : `${seconds}s`;
}

/** The percentage written, floored. */
function percentOf({ objects, totalObjects }: ImportProgress): number {
  return totalObjects === 0 ? 100 : Math.floor((objects / totalObjects) * 100);
}

/** The bar of a terminal. */
class BarReporter implements ProgressReporter {
  readonly #stream: NodeJS.WriteStream;
  #bar: cliProgress.SingleBar | null = null;
  /** When writing started: the end of the first pass, or the start. */
  #started = Date.now();
  #scanned = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  readonly onScan = ({ objects }: { readonly objects: number }): void => {
    this.#scanned = true;
    this.#started = Date.now();
    this.#stream.write(`\rchecked ${objects} objects`);
  };

  readonly onProgress = (progress: ImportProgress): void => {
    if (this.#bar === null) {
      if (this.#scanned) this.#stream.write('\n');
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream,
          format:
            'importing [{bar}] {percentage}% | {value}/{total} objects | {rate} objects/s | ETA {eta_formatted}',
          barsize: 30,
          etaBuffer: 50,
          hideCursor: null,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(progress.totalObjects, 0, { rate: '0' });
    }
    this.#bar.update(progress.objects, { rate: rate(progress.objects, Date.now() - this.#started) });
  };

  finish(): void {
    if (this.#bar !== null) this.#bar.stop();
    else if (this.#scanned) this.#stream.write('\n');
  }
}

/** Plain lines for logs and pipes. */
class LineReporter implements ProgressReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #started: number;
  /** When writing started: the end of the first pass, or the start. */
  #writingSince: number;
  #lastLine: number;
  #lastTenth = 0;
  #lines = 0;
  #last: ImportProgress | null = null;

  constructor({ stream, intervalMs, now = Date.now }: ProgressTarget) {
    this.#stream = stream;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#started = now();
    this.#lastLine = this.#started;
    this.#writingSince = this.#started;
  }

  readonly onScan = ({ objects }: { readonly objects: number }): void => {
    this.#writingSince = this.#now();
    if (this.#due(false)) this.#line(`checked ${objects} objects`);
  };

  readonly onProgress = (progress: ImportProgress): void => {
    const now = this.#now();
    this.#last = progress;
    const tenth = Math.floor(percentOf(progress) / 10);
    const crossed = tenth > this.#lastTenth;
    this.#lastTenth = tenth;
    if (!this.#due(crossed)) return;
    const elapsed = now - this.#writingSince;
    const left =
      progress.objects > 0 ? ((progress.totalObjects - progress.objects) * elapsed) / progress.objects : 0;
    this.#line(
      `imported ${progress.objects}/${progress.totalObjects} objects (${percentOf(progress)}%), ` +
        `${progress.relationships} relationships, ${rate(progress.objects, elapsed)} objects/s, ETA ${duration(left)}`,
    );
  };

  finish(completed: boolean): void {
    if (!completed || this.#lines === 0 || this.#last === null) return;
    const { objects, relationships } = this.#last;
    const elapsed = this.#now() - this.#started;
    this.#line(
      `imported ${objects} objects and ${relationships} relationships in ${duration(elapsed)} (${rate(objects, elapsed)} objects/s)`,
    );
  }

  /** Whether a line may go out now: one interval after the start, and after the last line or at a tenth. */
  #due(crossedTenth: boolean): boolean {
    const now = this.#now();
    if (now - this.#started < this.#intervalMs) return false;
    return crossedTenth || this.#lines === 0 || now - this.#lastLine >= this.#intervalMs;
  }

  #line(text: string): void {
    this.#lines++;
    this.#lastLine = this.#now();
    this.#stream.write(`${text}\n`);
  }
}
