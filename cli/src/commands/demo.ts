// Placeholder until the demo command lands; replaced by its owner.
export async function run(_argv: string[]): Promise<number> {
  console.error('modelwatch demo: this command is being built and is not available in this revision');
  return 2;
}
