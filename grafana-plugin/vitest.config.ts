import { nodeProject } from '../vitest.shared.js';

// jsdom for the view-model and component tests; the browser test opts back into node per file.
export default nodeProject('grafana-plugin', {
  environment: 'jsdom',
  include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  setupFiles: ['test/setup.ts'],
  // @grafana/* ship ESM that imports CommonJS packages by named export (moment-timezone…): let Vite transform them.
  server: { deps: { inline: [/@grafana\//] } },
});
