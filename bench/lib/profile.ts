/**
 * `--profile DIR`: CPU profiles of the store's side of chosen runs, taken in this process with the
 * inspector (the same profiler as `node --cpu-prof`), so a profile shows the server serving load and
 * not the fixture being built or the baseline being measured. Open them in Chrome DevTools or
 * speedscope.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Runs `work`; with a directory, under the profiler, writing `DIR/<label>.cpuprofile` (the last run wins). */
export type Profiler = <T>(label: string, work: () => Promise<T>) => Promise<T>;

/** A profiler writing to `dir`, or one that only runs the work when `dir` is null. */
export function createProfiler(dir: string | null): Profiler {
  if (dir === null) return (_label, work) => work();
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let busy = false;
  return async (label, work) => {
    if (busy) return work();
    busy = true;
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
      busy = false;
    }
  };
}
