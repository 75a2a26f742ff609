// Placeholder until the sidecar command lands; replaced by its owner.
export async function run(_argv: string[]): Promise<number> {
  console.error('modelwatch sidecar: this command is being built and is not available in this revision');
  return 2;
}
