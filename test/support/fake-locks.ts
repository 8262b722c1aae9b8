/**
 * An in-process Web Locks stand-in for Node (which has no `navigator.locks`): exclusive locks, waiters
 * granted in order, `ifAvailable`, `steal`, `signal`. Each worker of a test gets its own client;
 * `kill(client)` is that worker's death: its held locks are released, its waiting requests dropped.
 * The browser suites run the same code on the real Web Locks.
 */
import type { LockManagerLike } from '../../src/worker/service.ts';

interface Request {
  client: number;
  grant: () => void;
  abort: (error: unknown) => void;
}

interface Held {
  client: number;
  /** The holder's request promise is rejected with this when its lock is stolen. */
  steal: (error: unknown) => void;
}

export interface FakeLocks {
  /** A lock manager for one worker. */
  client(): LockManagerLike & { readonly id: number };
  /** The worker behind `client` died: its locks are released, its waiting requests dropped. */
  kill(client: { id: number }): void;
  /** The names currently held. */
  held(): string[];
}

const abortError = () => Object.assign(new Error('the lock request was aborted'), { name: 'AbortError' });

export function createFakeLocks(): FakeLocks {
  const holders = new Map<string, Held>();
  const queues = new Map<string, Request[]>();
  const dead = new Set<number>();

  const next = (name: string) => {
    if (holders.has(name)) return;
    const queue = queues.get(name) ?? [];
    const request = queue.shift();
    request?.grant();
  };

  let clients = 0;
  return {
    client() {
      const id = ++clients;
      return {
        id,
        request<T>(
          name: string,
          options: { signal?: AbortSignal; ifAvailable?: boolean; steal?: boolean },
          callback: (lock: unknown) => Promise<T>,
        ): Promise<T> {
          return new Promise<T>((resolve, reject) => {
            if (dead.has(id)) return;
            if (options.signal?.aborted) return reject(abortError());
            const run = () => {
              let stolen = false;
              holders.set(name, {
                client: id,
                steal: (error) => {
                  stolen = true;
                  reject(error);
                },
              });
              Promise.resolve()
                .then(() => callback({ name }))
                .then(
                  (value) => {
                    if (!stolen) resolve(value);
                  },
                  (error: unknown) => {
                    if (!stolen) reject(error);
                  },
                )
                .finally(() => {
                  if (stolen || dead.has(id)) return;
                  if (holders.get(name)?.client === id) holders.delete(name);
                  next(name);
                });
            };
            if (options.steal) {
              holders.get(name)?.steal(abortError());
              holders.delete(name);
              return run();
            }
            const queue = queues.get(name) ?? [];
            queues.set(name, queue);
            if (!holders.has(name) && queue.length === 0) return run();
            if (options.ifAvailable) {
              Promise.resolve(callback(null)).then(resolve, reject);
              return;
            }
            const request: Request = {
              client: id,
              grant: run,
              abort: reject,
            };
            queue.push(request);
            options.signal?.addEventListener('abort', () => {
              const at = queue.indexOf(request);
              if (at >= 0) {
                queue.splice(at, 1);
                reject(abortError());
              }
            });
          });
        },
      };
    },
    kill(client) {
      dead.add(client.id);
      for (const [name, queue] of queues) {
        queues.set(
          name,
          queue.filter((r) => r.client !== client.id),
        );
      }
      for (const [name, held] of [...holders]) {
        if (held.client === client.id) {
          holders.delete(name);
          next(name);
        }
      }
    },
    held: () => [...holders.keys()],
  };
}
