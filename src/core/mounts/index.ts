export {
  defaultMountConfig,
  type ListingVisibility,
  type MountConfig,
  type MountEntry,
  type MountTableKind,
  type NewMountInput,
  newMountEntry,
  normalizeMountPath,
  routePath,
  storagePrefix,
} from "./mount-entry.js";
export { MountTable } from "./mount-table.js";
export { type BackendRegistry, Mounter, type MounterOptions } from "./mounter.js";
