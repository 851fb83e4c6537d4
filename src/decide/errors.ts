/** Reading caught values without casts: `catch (e)` gives `unknown`, and not every throw is an Error. */

/** The message of an Error, or a short description of any other thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return 'non-error value thrown';
}

/** A string `code` property (Node's errno codes, pg's SQLSTATE), if the value has one. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code = e.code;
  return typeof code === 'string' ? code : undefined;
}
