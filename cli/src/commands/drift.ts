// Placeholder until the drift command lands; replaced by its owner.
export async function run(_argv: string[]): Promise<number> {
  console.error('modelwatch drift: this command is being built and is not available in this revision');
  return 2;
}
