/**
 * How many onnxruntime intra-op threads to run the model with. Measured on the embedded model
 * (issue #13): two threads score 1.6-1.8x faster than one on an idle machine, but up to 1.8x
 * slower when other work keeps the cores busy (onnxruntime's thread pool spins and waits for
 * a core). More than two buys nothing for models this small. So "auto" looks at the machine
 * when the model loads: two threads when at least 1.5 cores are idle by the 1-minute load
 * average, else one. Windows reports a load average of 0, so there "auto" means two threads
 * whenever the machine has two or more cores; set a number to override.
 */
import os from 'node:os';

export type ThreadsSetting = number | 'auto';

export interface MachineLoad {
  /** Logical cores this process may use (os.availableParallelism). */
  cores: number;
  /** 1-minute load average (os.loadavg()[0]; 0 on Windows). */
  load1: number;
}

/** Idle cores "auto" needs before it runs a second thread. */
export const AUTO_IDLE_CORES_FOR_TWO = 1.5;

export function currentMachineLoad(): MachineLoad {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { cores: Math.max(1, cores), load1: os.loadavg()[0] ?? 0 };
}

/**
 * The thread count for a setting: a number is used as given (at least 1, at most the cores);
 * "auto" is 2 when the machine has at least `AUTO_IDLE_CORES_FOR_TWO` idle cores, else 1.
 * `undefined` means 1 (the engine's default when a caller does not ask).
 */
export function chooseThreads(
  setting: ThreadsSetting | undefined,
  machine: MachineLoad = currentMachineLoad(),
): number {
  if (setting === undefined) return 1;
  if (setting === 'auto') {
    const idle = machine.cores - Math.max(0, machine.load1);
    return machine.cores >= 2 && idle >= AUTO_IDLE_CORES_FOR_TWO ? 2 : 1;
  }
  if (!Number.isFinite(setting)) return 1;
  return Math.max(1, Math.min(Math.floor(setting), machine.cores));
}

/** Parses "auto" or a positive integer (from a setting or a flag); null when it is neither. */
export function parseThreadsSetting(value: unknown): ThreadsSetting | null {
  if (value === 'auto') return 'auto';
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : null;
}
