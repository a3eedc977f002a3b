// One piece of model work at a time: runs, t changes and the flow/mask pass never overlap, so each run's
// timing measures that run alone.
let tail: Promise<unknown> = Promise.resolve();

/** Run `job` after every job queued before it. */
export function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const result = tail.then(job, job);
  tail = result.catch(() => undefined);
  return result;
}
