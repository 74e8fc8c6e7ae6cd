export { main } from './main.js';
export { startNatsServer, freePort, isPortOpen, NatsServerMissingError } from './nats-server.js';
export type { NatsServerHandle, NatsServerOptions } from './nats-server.js';
export { findExecutable } from './executables.js';
