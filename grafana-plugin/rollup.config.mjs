import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';

// Tests build into their own folder so parallel test files never race on dist/.
const outDir = process.env.PLUGIN_OUT_DIR ?? 'dist';
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * What Grafana provides to plugins at runtime (its SystemJS/AMD registry); bundling any of these
 * would load a second copy next to Grafana's and break React context and theming.
 */
export const GRAFANA_EXTERNALS = [
  'react', 'react-dom', 'react-router', 'react-router-dom', 'react-redux', 'redux',
  '@grafana/data', '@grafana/ui', '@grafana/runtime', '@grafana/schema', '@grafana/i18n',
  '@emotion/css', '@emotion/react', 'lodash', 'rxjs', 'moment', 'slate', 'jquery', 'd3',
];
const isExternal = (id) => GRAFANA_EXTERNALS.some((e) => id === e || id.startsWith(`${e}/`));

/** Copies the static plugin files next to module.js, stamping version and date as create-plugin does. */
function pluginFiles() {
  return {
    name: 'modelwatch-plugin-files',
    writeBundle() {
      mkdirSync(`${outDir}/img`, { recursive: true });
      const today = new Date().toISOString().slice(0, 10);
      const manifest = readFileSync('src/plugin.json', 'utf8')
        .replaceAll('%VERSION%', pkg.version)
        .replaceAll('%TODAY%', today);
      writeFileSync(`${outDir}/plugin.json`, manifest);
      for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE']) cpSync(f, `${outDir}/${f}`);
      cpSync('src/img', `${outDir}/img`, { recursive: true });
    },
  };
}

export default {
  input: 'src/module.ts',
  external: isExternal,
  output: { file: `${outDir}/module.js`, format: 'amd', sourcemap: true, interop: 'auto' },
  plugins: [
    resolve({ extensions: ['.ts', '.tsx', '.js'] }),
    commonjs(),
    // Classic JSX: Grafana's registry provides 'react', not necessarily 'react/jsx-runtime'.
    esbuild({ target: 'es2020', jsx: 'transform', jsxFactory: 'React.createElement', jsxFragment: 'React.Fragment', minify: true }),
    pluginFiles(),
  ],
};
