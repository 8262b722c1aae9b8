/**
 * The playground's database worker. An app's worker calls `serve({ schema })` with the schema it ships;
 * the playground is an app whose schema is whatever the page is trying out, so this worker waits for
 * one message carrying those options and then serves exactly as an app's worker does. Applying a new
 * target schema is therefore a worker restart: the same startup migration (lock, pre-migrate snapshot,
 * one transaction, save) that a real release goes through.
 */
import { type ServeOptions, serve } from '../worker/index.ts';
import { CONFIGURE, type WorkerConfig } from './worker-config.ts';

addEventListener(
  'message',
  (event: MessageEvent<WorkerConfig>) => {
    const options: ServeOptions = { appVersion: 'playground' };
    if (event.data?.type === CONFIGURE) {
      if (typeof event.data.schema === 'string') options.schema = event.data.schema;
      options.allowDataLoss = event.data.allowDataLoss === true;
    }
    // Comlink's listener is added here, before the next message (the client's `open`) is dispatched.
    serve(options);
  },
  { once: true },
);
