/** Why a pod's volume could not be set up: the pod's containers wait (ContainerCreating) and a FailedMount event says why. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
    this.name = 'VolumeError';
  }
}
