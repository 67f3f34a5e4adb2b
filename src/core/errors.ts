/**
 * Typed errors with user-facing messages. The CLI prints `message` on one line;
 * the extension shows it in a notification. `code` is stable for tests.
 */
export class ContextZipError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ContextZipError';
  }
}

/** Bad user input (arguments, budgets, queries): CLI exit code 2. */
export class UsageError extends ContextZipError {
  constructor(message: string) {
    super(message, 'usage');
    this.name = 'UsageError';
  }
}

/** A model could not be loaded or run. */
export class ModelError extends ContextZipError {
  constructor(message: string, code = 'model') {
    super(message, code);
    this.name = 'ModelError';
  }
}

/** The operation was cancelled by the user. */
export class CancelledError extends ContextZipError {
  constructor(message = 'Cancelled.') {
    super(message, 'cancelled');
    this.name = 'CancelledError';
  }
}

/** A cooperative cancellation signal shared by core, worker and extension. */
export interface CancellationSignal {
  readonly cancelled: boolean;
}

export function throwIfCancelled(signal?: CancellationSignal): void {
  if (signal?.cancelled) throw new CancelledError();
}
