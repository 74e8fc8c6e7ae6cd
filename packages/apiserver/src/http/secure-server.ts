/**
 * The HTTPS server of a secure apiserver: serving certificate and key from
 * files, client certificates requested (not required: token clients connect
 * without one) and verified against the client CA. When the certificate or key
 * file changes, the new pair is loaded into the running server
 * (`setSecureContext`): rotation without a restart; connections already open
 * keep their session.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Logger } from '@skiff/telemetry';

export interface ServingTlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle that signs client certificates. */
  clientCaFile: string;
}

function secureContextOptions(files: ServingTlsFiles): { cert: Buffer; key: Buffer; ca: Buffer } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: readFileSync(files.clientCaFile) };
}

/** An HTTPS server that reloads its certificate; `stopWatching` ends the file watch. */
export function createSecureServer(
  files: ServingTlsFiles,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
  reloadIntervalMs = 1000,
): { server: Server; stopWatching: () => void } {
  const server = createServer({ ...secureContextOptions(files), requestCert: true, rejectUnauthorized: false }, handler);
  const reload = (): void => {
    try {
      server.setSecureContext({ ...secureContextOptions(files) });
      logger.info({ certFile: files.certFile }, 'serving certificate reloaded');
    } catch (err) {
      // A half-written pair (cert updated, key not yet): keep serving the old one; the next change retries.
      logger.warn({ err, certFile: files.certFile }, 'serving certificate not reloaded');
    }
  };
  watchFile(files.certFile, { interval: reloadIntervalMs, persistent: false }, reload);
  watchFile(files.keyFile, { interval: reloadIntervalMs, persistent: false }, reload);
  return {
    server,
    stopWatching: () => {
      unwatchFile(files.certFile, reload);
      unwatchFile(files.keyFile, reload);
    },
  };
}
