/**
 * Progress on stderr for long commands: one redrawn line with the stage, counts, a bar and an
 * ETA (cli-progress). Only when stderr is a terminal and --quiet is not given: pipes, files and
 * tests see nothing. The engine (src/core) only calls `onProgress(stage, done, total)`; the
 * rendering lives here.
 */
import { SingleBar, type Options, type Params } from 'cli-progress';

export interface Progress {
  /**
   * Shows `stage` with `done` of `total` `unit`s; a total of 0 means not known yet (the count
   * alone, no bar). A new stage restarts the ETA.
   */
  update(stage: string, done: number, total: number, unit?: string): void;
  /** Clears the line; call before the result and the summary are written. */
  stop(): void;
}

interface Payload {
  stage: string;
  unit: string;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/** Whether progress is shown: stderr is a terminal and the user did not ask for --quiet. */
export function progressEnabled(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): boolean {
  return quiet !== true && stream.isTTY === true;
}

function formatEta(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '…';
  if (seconds >= 3600)
    return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.round(seconds)}s`;
}

/** One line: `contextzip: ranking chunks [=====-----] 12/40 windows, ETA 5s`. */
export function formatProgressLine(options: Pick<Options, 'barsize'>, params: Params, payload: Payload): string {
  const unit = payload.unit ? ` ${payload.unit}` : '';
  if (params.total <= 0)
    return `contextzip: ${payload.stage}…${params.value > 0 || unit ? ` ${params.value}${unit}` : ''}`;
  const width = options.barsize ?? 24;
  const filled = Math.max(0, Math.min(width, Math.round(params.progress * width)));
  const bar = `${'='.repeat(filled)}${'-'.repeat(width - filled)}`;
  const eta = params.value >= params.total ? 'done' : `ETA ${formatEta(params.eta)}`;
  return `contextzip: ${payload.stage} [${bar}] ${params.value}/${params.total}${unit}, ${eta}`;
}

/** A progress line on `stream`, or a no-op when it is not a terminal or `quiet` is set. */
export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!progressEnabled(options.quiet, stream)) return SILENT;
  const bar = new SingleBar({
    stream,
    barsize: 24,
    fps: 8,
    clearOnComplete: true,
    hideCursor: false,
    etaBuffer: 20,
    format: (opts, params, payload) => formatProgressLine(opts, params, payload as Payload),
  });
  let current: string | undefined;
  let running = false;
  return {
    update(stage, done, total, unit = '') {
      // A new stage, or a count that now has a total, starts over: start() resets the ETA
      // and draws at once.
      const key = `${stage}\0${total > 0}`;
      if (!running || key !== current) {
        current = key;
        running = true;
        bar.start(total, done, { stage, unit });
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, { stage, unit });
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}

/** The code engine's stages as words on the progress line. */
export const COMPRESSION_STAGE_LABELS: Record<string, { label: string; unit: string }> = {
  parse: { label: 'chunking', unit: 'files' },
  coarse: { label: 'ranking chunks', unit: 'sequences' },
  fine: { label: 'pruning functions', unit: 'sequences' },
  assemble: { label: 'assembling', unit: '' },
};

/** Folder scan and read progress (loadSourceFiles' onProgress) on the progress line. */
export function fileProgress(progress: Progress): (stage: 'scan' | 'read', done: number, total: number) => void {
  return (stage, done, total) =>
    stage === 'scan'
      ? progress.update('reading files', done, 0, 'found')
      : progress.update('reading files', done, total, 'files');
}
