import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from cli/src/demo (tests) or cli/dist/demo (built). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'seattle-weather');
export const EXAMPLE_MODEL = join(EXAMPLE_DIR, 'model.onnx');
export const RULES_DIR = join(REPO_ROOT, 'alert-rules', 'rules');
export const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'alert-rules', 'alertmanager', 'alertmanager.yml');

/** Class labels of the example model, as written by its training script (examples/seattle-weather/model.json). */
export function exampleClassLabels(): string[] {
  return (JSON.parse(readFileSync(join(EXAMPLE_DIR, 'model.json'), 'utf8')) as { classLabels: string[] }).classLabels;
}
