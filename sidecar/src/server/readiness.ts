import http from 'node:http';
import https from 'node:https';

/**
 * Proxy readiness: the upstream is "up" once it answers HTTP at all (any status). Probes with
 * backoff until the first answer, then every 5 s to notice it going away. Timers are unref'ed.
 */
export function probeUntilReady(url: string, onChange: (ready: boolean) => void, ca?: Buffer): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = 100;
  let ready = false;
  const get = url.startsWith('https:') ? https.get : http.get;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(probe, ms);
    timer.unref();
  };
  const settle = (up: boolean) => {
    if (up !== ready) {
      ready = up;
      onChange(up);
    }
    if (up) {
      delay = 100;
      schedule(5000);
    } else {
      schedule(delay);
      delay = Math.min(delay * 2, 5000);
    }
  };
  function probe(): void {
    if (stopped) return;
    const req = get(url, { timeout: 2000, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      settle(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => settle(false));
  }
  probe();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
