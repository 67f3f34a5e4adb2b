/**
 * The worker's persisted caches (the extension passes its scores folder in the model spec):
 * opened with the model, saved a few seconds after the worker goes idle and before the model
 * is unloaded, so scores and token counts survive a reload of VS Code and an idle unload.
 * Without a scores folder (tests, the MCP server in-process) nothing is persisted.
 */
import { CacheFolder, modelFingerprint, parseDtype, resolveModelLocation } from '../core/model/index.js';

export interface PersistSpec {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  /** Folder of the persisted caches (the extension's global storage scores/). */
  scoresDir?: string;
  /** Cap of that folder in MB (contextzip.cache.maxSizeMB). */
  cacheMaxMB?: number;
}

let folder: CacheFolder | undefined;
let timer: NodeJS.Timeout | undefined;

/** Delay between the worker going idle and the save. */
export const SAVE_AFTER_IDLE_MS = 3000;

/**
 * Opens the persisted caches for a model spec (saving and replacing those of the previous
 * model); undefined without a scores folder or when it is unusable (then the caller keeps its
 * in-memory caches).
 */
export function openPersistedCaches(spec: PersistSpec): CacheFolder | undefined {
  saveNow();
  folder = undefined;
  if (!spec.scoresDir) return undefined;
  try {
    const dtype = parseDtype(spec.dtype, 'q8');
    const location = resolveModelLocation(spec.model, spec.cacheDir);
    folder = CacheFolder.open({
      dir: spec.scoresDir,
      fingerprint: modelFingerprint(location, dtype),
      model: { id: location.id, dtype },
      maxMB: spec.cacheMaxMB,
    });
  } catch {
    folder = undefined; // a bad spec fails in createScorer with the real message
  }
  return folder;
}

/** The open folder (if any). */
export function persistedCaches(): CacheFolder | undefined {
  return folder;
}

/** Saves the open caches now (before an unload or a model switch). */
export function saveNow(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  folder?.save();
}

/** The worker has no job left: save soon (a new job cancels it). */
export function scheduleSave(): void {
  if (!folder) return;
  if (timer) clearTimeout(timer);
  timer = setTimeout(saveNow, SAVE_AFTER_IDLE_MS);
  timer.unref();
}

/** A job started: no save in its middle. */
export function cancelScheduledSave(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
}
