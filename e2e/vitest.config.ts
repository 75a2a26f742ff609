import { nodeProject } from '../vitest.shared.js';

// Real Prometheus, Alertmanager, collector and sidecar: minutes of polling, not seconds.
export default nodeProject('e2e', { testTimeout: 150_000, hookTimeout: 120_000 });
