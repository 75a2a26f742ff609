// Placeholder until the collector command lands; replaced by its owner.
export async function run(_argv: string[]): Promise<number> {
  console.error('modelwatch collector: this command is being built and is not available in this revision');
  return 2;
}
