/**
 * molt in the worker: `serve()` for the app's worker file, and the service underneath for tests and
 * other runtimes.
 */
export type {
  ExecResult,
  MoltService,
  OpenRequest,
  Outcome,
  ProgressEvent,
  SaveReport,
  SchemaChangedMessage,
  StartupPhase,
  StartupReport,
  Statement,
} from './protocol.ts';
export { channelName } from './protocol.ts';
export { forComlink, serve } from './serve.ts';
export {
  createService,
  DEFAULT_LOCK_TIMEOUT_MS,
  type LockManagerLike,
  type ServeOptions,
  type ServiceDeps,
} from './service.ts';
