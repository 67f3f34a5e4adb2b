import { ContextZipError } from '../errors.js';

/** A model file that cannot be read: missing, truncated, wrong magic, inconsistent header. */
export class InspectError extends ContextZipError {
  constructor(message: string, code = 'inspect') {
    super(message, code);
    this.name = 'InspectError';
  }
}
