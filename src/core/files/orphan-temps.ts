/**
 * Temporary files that a killed writer left behind. Writers name their temp files with their
 * process id; a file whose writer process is gone is removed, a live writer's is left alone.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Removes the files in `dir` for which `writerPid(name)` returns the pid of a process that no
 * longer exists (null: not one of ours). This process's own files are kept.
 */
export function removeOrphanTemps(dir: string, writerPid: (name: string) => number | null): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = writerPid(name);
    if (pid === null || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // the writer is still running
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Removes `<file>.<pid>.<time>.tmp` files next to `file` whose writer is gone (a save killed mid-write). */
export function removeOrphanSaveTemps(file: string): void {
  const prefix = `${path.basename(file)}.`;
  removeOrphanTemps(path.dirname(file), (name) => {
    const m = name.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    return m ? Number(m[1]) : null;
  });
}
