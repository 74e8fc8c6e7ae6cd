/**
 * Pod volumes on the host (emptyDir, hostPath, configMap, secret, downwardAPI, projected): the volume
 * manager (manager.ts) prepares and removes them; the runtime binds them into containers.
 */
export type { ProjectedFile } from './atomic-writer.js';
export { DATA_LINK, writeProjection } from './atomic-writer.js';
export { VolumeError } from './errors.js';
export { prepareHostPath } from './host-path.js';
export { listMountPoints, mountPointsUnder, unmount } from './mounts.js';
export type { NodeAllocatable } from './projection.js';
export { DEFAULT_FILE_MODE, DEFAULT_SECRET_MODE } from './projection.js';
export type { VolumeManagerOptions } from './manager.js';
export { VolumeManager } from './manager.js';
