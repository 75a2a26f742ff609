/**
 * The operator log of both servers: at most `perMinute` lines a minute, then one summary line of
 * what was dropped, so bad input or a failing sink cannot flood the log (or the disk under it).
 */
export type LogFn = (message: string) => void;

export interface RateLimitedLogOptions {
  /** Written before every line, e.g. `modelwatch sidecar`. */
  prefix: string;
  perMinute?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export function rateLimitedLog(write: (line: string) => void, options: RateLimitedLogOptions): LogFn {
  const perMinute = options.perMinute ?? 20;
  const now = options.now ?? Date.now;
  const prefix = `${options.prefix}: `;
  let windowStart = Number.NEGATIVE_INFINITY;
  let written = 0;
  let dropped = 0;
  return (message) => {
    const t = now();
    if (t - windowStart >= 60_000) {
      if (dropped > 0) write(`${prefix}${dropped} log lines dropped in the last minute`);
      windowStart = t;
      written = 0;
      dropped = 0;
    }
    if (written < perMinute) {
      written++;
      write(prefix + message);
    } else dropped++;
  };
}
