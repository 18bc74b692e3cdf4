import { inspect } from 'node:util';

/**
 * A secret read from the environment, wrapped so that printing, logging or serialising the configuration
 * that holds it shows `***`. Only {@link SecretValue.reveal} gives the value, for the one place that needs it.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'SecretValue(***)';
  }
}
