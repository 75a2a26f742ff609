import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Tests run against the TypeScript sources of the workspace packages, not their build output. */
export const sourceAliases = {
  '@modelwatch/core': `${root}core/src/index.ts`,
  '@modelwatch/sidecar': `${root}sidecar/src/index.ts`,
  '@modelwatch/collector': `${root}collector/src/index.ts`,
  '@modelwatch/examples/onnx-builder': `${root}examples/src/onnx-builder.ts`,
  '@modelwatch/examples/seattle-weather': `${root}examples/seattle-weather/dataset.ts`,
};

export function nodeProject(name: string, extra: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { alias: sourceAliases },
    test: {
      name,
      environment: 'node',
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...extra,
    },
  });
}
