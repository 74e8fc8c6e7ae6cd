/**
 * Structured logs (JSON lines, pino). Library code logs through a Logger it is
 * given, never console.log. `SKIFF_LOG_LEVEL` sets the level (default info).
 */
import { pino, type Logger as PinoLogger } from 'pino';

/** The logger every component and library takes. */
export type Logger = PinoLogger;

/** A logger for a component, writing JSON lines to stderr (or to `destination`). */
export function createLogger(component: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  const level = process.env['SKIFF_LOG_LEVEL'] ?? 'info';
  return pino({ level, base: { component } }, destination);
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
