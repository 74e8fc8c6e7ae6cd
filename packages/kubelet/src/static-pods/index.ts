export {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  isMirrorPod,
  mirrorPodFor,
  readStaticPods,
  staticPodFromManifest,
  type ManifestError,
} from './manifests.js';
export { StaticPodSource, type StaticPodHandlers } from './source.js';
