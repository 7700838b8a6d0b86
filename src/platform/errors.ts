/** An error a person can act on: a stable code, an HTTP-ish status, and plain words. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
  }
}

/** Bad input given on the command line or in a file: exit status 2 in the CLI. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('usage', 400, message);
    this.name = 'UsageError';
  }
}
