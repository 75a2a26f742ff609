/**
 * Profiles one file in a fresh process so its peak RSS is the profiler's alone.
 * Prints one JSON line: rows, columns, wall and CPU time, peak RSS.
 */
import { profileFile } from '../../core/src/index.js';

const path = process.argv[2]!;
const started = performance.now();
const cpu0 = process.cpuUsage();
const { profile, stats } = await profileFile(path, { model: 'bench' });
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - started;
console.log(
  JSON.stringify({
    path,
    rows: stats.rows,
    columns: profile.features.length,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
