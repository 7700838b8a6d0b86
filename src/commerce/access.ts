export function parseCidrs(_c: string[]): string[] {
  return [];
}
export function accessRules(_c: string[]): string[] {
  return [];
}
export async function applyAccessRules(..._a: unknown[]): Promise<string> {
  return '';
}
