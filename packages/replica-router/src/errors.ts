/**
 * The error registry of replica-router: every error it throws has a stable `code` (`RR_ERR_…`),
 * documented in docs/errors.md (a test keeps the two in sync). Driver errors pass through untouched:
 * they keep their SQLSTATE `code`.
 */
export { ClassifierNotLoadedError } from './classify/classifier-not-loaded-error.ts';

/** Invalid configuration: names the environment variable (never its value, which may hold a password). */
export class RouterConfigError extends Error {
  readonly code = 'RR_ERR_CONFIG';
  /** The environment variable (or option) at fault. */
  readonly variable: string;
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(`${variable}: ${message}`, options);
    this.name = 'RouterConfigError';
    this.variable = variable;
  }
}

/** Every code, for docs and tests. */
export const routerErrorCodes = ['RR_ERR_CONFIG', 'RR_ERR_CLASSIFIER_NOT_LOADED'] as const;
