/** The one message the page sends its worker before opening the database: what the "app" ships. */
export const CONFIGURE = 'molt-playground:configure';

export interface WorkerConfig {
  type: typeof CONFIGURE;
  /** The schema the worker migrates to at open; absent when the page only looks at the database. */
  schema?: string;
  allowDataLoss?: boolean;
}
