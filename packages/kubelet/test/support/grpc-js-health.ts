/**
 * A real gRPC server (@grpc/grpc-js) serving grpc.health.v1.Health/Check as the standard health service does
 * ('' and 'ready' SERVING, 'sick' NOT_SERVING, others NotFound `unknown service`), and one that serves nothing
 * (grpc-js answers Unimplemented). Messages are (de)serialized by hand: HealthCheckRequest{service = 1} and
 * HealthCheckResponse{status = 1} need no protobuf library.
 */
import * as grpc from '@grpc/grpc-js';

const STATUSES: Readonly<Record<string, number>> = { '': 1, ready: 1, sick: 2 };

const healthService: grpc.ServiceDefinition = {
  check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    originalName: 'Check',
    requestSerialize: (r: { service: string }) =>
      Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(r.service)]), Buffer.from(r.service)]),
    // An object, not the bare string: grpc-js takes a falsy request ('') for a missing one.
    requestDeserialize: (b: Buffer) => ({ service: b[0] === 0x0a ? b.subarray(2, 2 + (b[1] ?? 0)).toString('utf8') : '' }),
    responseSerialize: (status: number) => Buffer.from([0x08, status]),
    responseDeserialize: (b: Buffer) => b[1] ?? 0,
  },
};

export interface GrpcJsServers {
  health: number;
  empty: number;
  close(): Promise<void>;
}

async function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

export async function startGrpcJsServers(): Promise<GrpcJsServers> {
  const health = new grpc.Server();
  health.addService(healthService, {
    check: (call: grpc.ServerUnaryCall<{ service: string }, number>, callback: grpc.sendUnaryData<number>) => {
      const status = STATUSES[call.request.service];
      if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else callback(null, status);
    },
  });
  const empty = new grpc.Server();
  const ports = { health: await bind(health), empty: await bind(empty) };
  return {
    ...ports,
    close: async () => {
      for (const s of [health, empty]) s.forceShutdown();
      await Promise.resolve();
    },
  };
}
