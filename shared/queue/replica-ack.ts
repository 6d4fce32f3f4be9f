import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../errors/app-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { Logger } from '../logging/logger.js';
import type { JobPayloads } from './jobs.js';
import type { QueueName } from './queue-names.js';
import { addJob, createQueue, type TypedQueue } from './queues.js';
import { withdrawn, WITHDRAW_WITHIN_MS } from './withdraw-job.js';
import type { RedisClient } from './redis.js';
import { errorFields } from '../logging/error-fields.js';

export interface ReplicaAckOptions {
  /** Replicas that must hold a job before `enqueue` resolves (REDIS_MIN_REPLICAS_ACK, ≥ 1). */
  replicas: number;
  /** How long to wait for them (REDIS_REPLICA_ACK_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  /** Called for each job answered 503 because too few replicas confirmed it. */
  onUnconfirmed?: () => void;
}

export interface ReplicatedQueue<N extends QueueName> {
  /** Adds the job, then waits until `replicas` replicas have it; rejects (retryable) when they do not in time. */
  enqueue(id: string, data: JobPayloads[N]): Promise<void>;
  close(): Promise<void>;
}

/** One connection to the master that holds the queue, and the queue on it. */
interface Link<N extends QueueName> {
  redis: Redis;
  queue: TypedQueue<N>;
  /** Bumped each time the connection closes: a WAIT answered on a newer connection says nothing of an older one's writes. */
  epoch: number;
  /** Starts a WAIT covering every write answered so far on this connection. */
  confirm: () => Promise<number>;
  /** Replicas connected to this master at the last look (INFO replication, twice a second); null before the first. */
  connected: number | null;
  /** Looks again now (callers meanwhile share the look). */
  look: () => Promise<unknown>;
  stopWatching: () => void;
}

/**
 * Acknowledged means on a replica too (specification §9, REDIS_MIN_REPLICAS_ACK). Redis
 * replicates asynchronously, so a job its master acknowledged can die with the master
 * in a failover. `WAIT n timeout` answers how many replicas hold everything this
 * connection wrote before it, so the job and the WAIT must go over one connection, to
 * the master itself: on a cluster a plain connection to the master serving the queue's
 * slot (a cluster client would send WAIT to any node), found again after a failover.
 * A connection that was replaced between the write and the WAIT's answer proves
 * nothing and is a failure; so is a WAIT that counts too few replicas. Failures are
 * 503s to the network, which sends the postback again. The job waits in the delayed
 * set until confirmed (then it is promoted), so no worker applies it before the answer
 * is known, and a 503 withdraws it first: a 503 is "not applied" wherever Redis can
 * tell (`withdrawn`). WAITs are grouped: those asked for while one is under way share
 * the next, so the cost is one replication round trip per group, not per job.
 */
export function createReplicatedQueue<N extends QueueName>(
  name: N,
  source: RedisClient,
  prefix: string,
  { replicas, timeoutMs, logger, onUnconfirmed }: ReplicaAckOptions,
): ReplicatedQueue<N> {
  let link: Link<N> | null = null;
  let opening: Promise<Link<N>> | null = null;
  let closed = false;

  // How long a job waits for its confirmation before it runs anyway: past any WAIT and withdrawal.
  const hold = Math.max(HOLD_MS, 2 * (timeoutMs + WITHDRAW_WITHIN_MS));
  // WAIT may take up to timeoutMs; the connection's command timeout must not cut it short.
  const options = { ...SINGLE_CONNECTION, commandTimeout: timeoutMs + 2000 };
  const open = async (): Promise<Link<N>> => {
    const redis = source instanceof Cluster ? await connectToMaster(source, `${prefix}:${name}`, options) : source.duplicate(options);
    redis.on('error', () => undefined);
    const look = grouped(() =>
      redis.info('replication').then(
        (info) => (opened.connected = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0)),
        () => undefined,
      ),
    );
    const timer = setInterval(() => void look(), 500);
    timer.unref();
    const opened: Link<N> = {
      redis,
      queue: createQueue(name, redis, prefix),
      epoch: 0,
      confirm: grouped(async () => Number(await redis.call('WAIT', replicas, timeoutMs))),
      connected: null,
      look,
      stopWatching: () => clearInterval(timer),
    };
    redis.on('close', () => opened.epoch++);
    void look();
    return opened;
  };
  const drop = (stale: Link<N>): void => {
    if (link !== stale) return;
    link = null;
    stale.stopWatching();
    void stale.queue.close().catch(() => undefined);
    stale.redis.disconnect();
    if (source instanceof Cluster) source.refreshSlotsCache();
  };

  return {
    enqueue: async (id, data) => {
      if (closed) throw unconfirmed('the receiver is shutting down');
      if (link?.redis.status === 'end') drop(link);
      if (!link) {
        // Callers arriving while the connection opens share it.
        opening ??= open().finally(() => {
          opening = null;
        });
        link = await opening;
      }
      const current = link;
      // Too few replicas connected (say, a master promoted by a failover, alone until a replica
      // joins): a fast 503 with nothing queued, rather than a write and a WAIT that must time out.
      // The count is looked at again first, so a replica that just came back is seen at once.
      if (current.connected !== null && current.connected < replicas) await current.look();
      if (current.connected !== null && current.connected < replicas) {
        onUnconfirmed?.();
        throw unconfirmed(`the master has ${String(current.connected)} of ${String(replicas)} replicas connected`);
      }
      const epoch = current.epoch;
      let job: Awaited<ReturnType<typeof addJob>>;
      try {
        // Held in the delayed set until a replica confirms it: no worker applies a job the receiver may yet refuse.
        job = await addJob(current.queue, id, data, { delay: hold });
      } catch (err) {
        // MOVED, READONLY (the master became a replica) or a lost connection: find the master again next time.
        if (source instanceof Cluster || current.redis.status === 'end') drop(current);
        // The write may have reached Redis before the connection failed.
        throw await withdrawn(source, current.queue, id, err instanceof AppError ? err : unconfirmed((err as Error).message));
      }
      const acked = await current.confirm().catch((err: unknown) => {
        drop(current);
        return err as Error;
      });
      if (acked instanceof Error || current.epoch !== epoch) {
        onUnconfirmed?.();
        const why =
          acked instanceof Error
            ? `WAIT failed: ${acked.message}`
            : 'the connection to Redis was replaced before a replica confirmed the job';
        // The master that took the job may be gone: ask whichever node serves the queue now.
        throw await withdrawn(source, current.queue, id, unconfirmed(why));
      }
      if (acked < replicas) {
        onUnconfirmed?.();
        logger.warn('postback not confirmed by enough Redis replicas', { replicas: acked, required: replicas, timeoutMs });
        const why = `${String(acked)} of ${String(replicas)} replicas confirmed the job within ${String(timeoutMs)} ms`;
        throw await withdrawn(current.redis, current.queue, id, unconfirmed(why));
      }
      // Confirmed: free for the workers. Not awaited: the answer goes out as soon as a replica has the
      // job (an acknowledgement must not trail its confirmation); a promotion lost with the process
      // or the connection leaves the job to run when its hold ends.
      job.promote().catch((err: unknown) =>
        logger.warn('confirmed postback job not promoted; it runs when its hold ends', {
          jobId: id,
          holdMs: hold,
          err: errorFields(err),
        }),
      );
    },
    close: async () => {
      closed = true;
      const last = link;
      link = null;
      if (last) {
        last.stopWatching();
        await last.queue.close();
        await last.redis.quit().catch(() => undefined);
      }
    },
  };
}

/**
 * Says at start when the master serving `queue` has fewer replicas connected than
 * REDIS_MIN_REPLICAS_ACK asks for: until they connect, every postback is a 503.
 */
export async function warnIfTooFewReplicas(source: RedisClient, key: string, required: number, logger: Logger): Promise<void> {
  try {
    let master: Redis | undefined = source instanceof Redis ? source : undefined;
    if (source instanceof Cluster) {
      const address = source.slots[Number(await source.call('CLUSTER', 'KEYSLOT', key))]?.[0];
      master = source.nodes('master').find((node) => `${node.options.host ?? ''}:${String(node.options.port)}` === address);
    }
    const info = master ? await master.info('replication') : '';
    const connected = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
    if (connected < required)
      logger.warn('fewer Redis replicas than REDIS_MIN_REPLICAS_ACK: postbacks are answered 503 until enough connect', {
        connected,
        required,
      });
  } catch (err) {
    logger.warn('could not count Redis replicas', { err: errorFields(err) });
  }
}

/** The master connection's options: never resend a write on a new connection (it would be a second write). */
const SINGLE_CONNECTION = { enableOfflineQueue: true, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 } as const;

/** A plain connection to the node that is master for `key`'s slot in the cluster's map now. */
async function connectToMaster(cluster: Cluster, key: string, options: RedisOptions): Promise<Redis> {
  const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
  const address = cluster.slots[slot]?.[0];
  if (!address) throw unconfirmed('the cluster does not know which node serves the queue yet');
  const at = address.lastIndexOf(':');
  return new Redis({
    ...cluster.options.redisOptions,
    ...options,
    host: address.slice(0, at),
    port: Number(address.slice(at + 1)),
    // One try: a lost master is found again through the cluster's slot map, not by reconnecting to it.
    retryStrategy: () => null,
  });
}

/**
 * Runs `run` for each caller, but callers arriving while one run is under way share
 * the next run (which starts after the current one, so it covers what they wrote).
 */
export function grouped<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  let next: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const current = run().finally(() => {
      if (running === current) running = null;
    });
    running = current;
    return current;
  };
  return () => {
    if (!running) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}

/**
 * A job waits this long (at least) in the delayed set for its replicas' confirmation,
 * then runs anyway: the receiver died between writing it and answering, and the
 * network's retry meets it in the store's duplicate rules.
 */
const HOLD_MS = 30_000;

function unconfirmed(why: string): AppError {
  return new AppError(ErrorCodes.QUEUE_UNAVAILABLE, `the job is not confirmed on a Redis replica: ${why}`, {
    httpStatus: 503,
    retryable: true,
  });
}
