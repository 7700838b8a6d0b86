/** Polls `check` every 100 ms until it gives a value (not undefined or false); fails after `timeout` ms. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeout = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
