export { main } from './main.js';
export { startNatsServer, freePort, isPortOpen, NatsServerMissingError } from './nats-server.js';
export type { NatsServerHandle, NatsServerOptions } from './nats-server.js';
export { findExecutable } from './executables.js';
export { simulateCapacity, parseShape, formatShape } from './capacity/index.js';
export type { CapacityOptions, CapacityReport, PodShape } from './capacity/index.js';
