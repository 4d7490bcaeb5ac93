/**
 * One member of a Kafka consumer group: what a subscription of the Kafka event log is.
 *
 * The client library keeps the membership (join, sync, heartbeats, rejoining when the
 * coordinator asks); this member fetches its partitions itself and runs one worker per
 * partition that hands batches to the handler and commits after each.
 *
 * Before every (re)join, the library awaits the `protocolsMetadata` hook: the member uses
 * it to finish the batches in flight and commit them with the generation that owns the
 * partitions, and only then lets the join go out. So a partition changes hands after its
 * progress is committed, and the new owner does not process those records again.
 * Commits name that generation explicitly, so a late commit from a member that lost its
 * partitions is refused by the broker instead of overwriting the new owner's progress.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionPool, Consumer } from '@platformatic/kafka';
import type { ConsumerGroupJoinPayload, fetchV17, GroupAssignment } from '@platformatic/kafka';
import { waitAtMost } from '../../lib/wait-at-most.ts';
import { Wakeup } from '../../lib/wakeup.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { decodeBatches, describeError, hasProtocolError, isTransient, nextOffsetAfter } from './kafka-codec.ts';
import { CommitBatcher } from './kafka-commits.ts';
import { PartitionWorker, type PartitionOwner } from './kafka-partition.ts';
import type { KafkaCluster } from './kafka-cluster.ts';
import type { BatchHandler, StartFrom } from './port.ts';

export interface MemberSettings {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  closeGraceMs: number;
  /** Long-poll time of a fetch with nothing new. */
  fetchWaitMs: number;
  onError: (error: Error) => void;
  /** Told whether requests to the broker currently succeed. */
  onConnection: (up: boolean, error?: unknown) => void;
}

export interface MemberOptions {
  group: string;
  topics: string[];
  from: StartFrom;
  maxBatch: number;
}

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const PARTITION_MAX_BYTES = 1024 * 1024;

export class GroupMember implements PartitionOwner {
  readonly settings: MemberSettings;
  readonly options: MemberOptions;
  readonly handler: BatchHandler<unknown>;
  private readonly cluster: KafkaCluster;
  private readonly consumer: Consumer;
  /** Fetches wait on the broker for up to fetchWaitMs, so they get connections of their own. */
  private readonly fetchPool: ConnectionPool;
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly commits: CommitBatcher;
  /** Bumped by every (re)join and by close: an assignment still being set up for an older one is dropped. */
  private assignmentEpoch = 0;
  /** Resolved once an assignment has been set up for the first time. */
  private readonly assigned: Promise<void>;
  private markAssigned: () => void = () => undefined;
  private closed = false;
  private rejoining = false;
  private readonly fetchWakeup = new Wakeup();
  private fetching: Promise<void> = Promise.resolve();

  constructor(cluster: KafkaCluster, settings: MemberSettings, options: MemberOptions, handler: BatchHandler<unknown>) {
    this.cluster = cluster;
    this.settings = settings;
    this.options = options;
    this.handler = handler;
    this.consumer = new Consumer({
      clientId: settings.clientId,
      groupId: options.group,
      bootstrapBrokers: settings.brokers,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectTimeout: 3000,
      retries: 3,
      retryDelay: 500,
      protocolsMetadata: () => this.revoke(),
    });
    this.commits = new CommitBatcher(cluster, options.group);
    this.assigned = new Promise<void>((resolve) => (this.markAssigned = resolve));
    this.fetchPool = new ConnectionPool(`${settings.clientId}-fetch`, { connectTimeout: 3000, requestTimeout: settings.requestTimeoutMs });
    this.consumer.on('consumer:group:join', (payload: ConsumerGroupJoinPayload) => this.onJoin(payload));
    // A rejoin that failed (the broker was away too long) leaves the member without heartbeats.
    this.consumer.on('error', (error: Error) => this.rejoin(error));
  }

  get group(): string {
    return this.options.group;
  }

  get maxBatch(): number {
    return this.options.maxBatch;
  }

  get retryBackoffMs(): number {
    return this.settings.retryBackoffMs;
  }

  get maxRetryBackoffMs(): number {
    return this.settings.maxRetryBackoffMs;
  }

  onError(error: Error): void {
    this.settings.onError(error);
  }

  /**
   * Joins the group and resolves once the first assignment is set up, so where a new
   * group starts is pinned; rejects after `timeoutMs` when the broker does not let it.
   */
  async start(timeoutMs: number): Promise<void> {
    this.consumer.topics.trackAll(...this.options.topics);
    try {
      const joined = await waitAtMost(
        (async () => {
          await this.consumer.joinGroup({});
          await this.assigned;
          return true;
        })(),
        timeoutMs,
      );
      if (!joined) throw new Error(`joining group "${this.options.group}" took longer than ${timeoutMs / 1000} s`);
    } catch (error) {
      await this.close();
      throw error;
    }
    this.fetching = this.fetchLoop();
  }

  /** Finishes the batches in flight, commits them and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.assignmentEpoch += 1;
    this.fetchWakeup.wake();
    await this.stopWorkers(this.settings.closeGraceMs);
    await this.fetching;
    try {
      await this.consumer.close();
    } catch {
      // LeaveGroup failed (the broker is away): the session times out instead.
      await this.consumer.connections.close().catch(() => undefined);
    }
    await this.fetchPool.close().catch(() => undefined);
  }

  /** The worker that owns the partition in this member, if any. */
  owner(topic: string, partition: number): PartitionWorker | undefined {
    return this.workers.get(`${topic}:${partition}`);
  }

  /**
   * Commits `offset` under the worker's generation. Retries while the broker is away;
   * resolves false when the partition is no longer this member's (the group moved on),
   * on an error that retrying does not cure, or when the member closes meanwhile.
   */
  async commit(worker: PartitionWorker, offset: bigint): Promise<boolean> {
    const delay = this.backoff(250);
    for (;;) {
      try {
        await this.commits.commit({ topic: worker.topic, partition: worker.partition, offset, generation: worker.generation, memberId: worker.memberId });
        this.settings.onConnection(true);
        return true;
      } catch (error) {
        if (hasProtocolError(error, 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID')) return false;
        if (!isTransient(error) || this.closed) {
          this.settings.onError(new Error(`commit of group "${this.options.group}" on ${worker.topic}/${worker.partition} failed: ${describeError(error)}`, { cause: error }));
          return false;
        }
        this.settings.onConnection(false, error);
        await sleep(delay());
      }
    }
  }

  /** Delays between tries of a request the broker did not answer, from `initialMs` up to maxRetryBackoffMs. */
  private backoff(initialMs: number) {
    return backoffDelays({ initialMs, maxMs: this.settings.maxRetryBackoffMs });
  }

  /* ------------------------------------------------------------ membership */

  /** Runs before every JoinGroup: the partitions are about to be reassigned. */
  private async revoke(): Promise<Buffer> {
    this.assignmentEpoch += 1;
    // Bounded by the rebalance timeout: the other members wait for this one to rejoin.
    await this.stopWorkers(Math.max(1000, this.settings.rebalanceTimeoutMs - 5000));
    return Buffer.alloc(0);
  }

  private async stopWorkers(graceMs: number): Promise<void> {
    const stopping = [...this.workers.values()].map((w) => w.stop());
    this.workers.clear();
    await waitAtMost(Promise.allSettled(stopping), graceMs);
  }

  private onJoin(payload: ConsumerGroupJoinPayload): void {
    const epoch = ++this.assignmentEpoch;
    const generation = payload.generationId ?? this.consumer.generationId;
    void this.assign(epoch, generation, payload.memberId, payload.assignments ?? []);
  }

  /** Sets up workers for the partitions assigned, at the committed offsets (or where `from` says, pinned by a commit). */
  private async assign(epoch: number, generation: number, memberId: string, assignments: GroupAssignment[]): Promise<void> {
    const delay = this.backoff(250);
    const current = () => epoch === this.assignmentEpoch && !this.closed;
    while (current()) {
      try {
        const positions: { topic: string; partition: number; offset: bigint; pin: boolean }[] = [];
        for (const { topic, partitions } of assignments) {
          if (partitions.length === 0) continue;
          const committed = await this.cluster.committed(this.options.group, topic, partitions);
          const fresh = partitions.filter((p) => (committed.get(p) ?? -1n) < 0n);
          const starts = fresh.length ? await (this.options.from === 'latest' ? this.cluster.latest(topic, fresh) : this.cluster.earliest(topic, fresh)) : new Map<number, bigint>();
          for (const partition of partitions) {
            const known = committed.get(partition) ?? -1n;
            positions.push({ topic, partition, offset: known >= 0n ? known : (starts.get(partition) ?? 0n), pin: known < 0n });
          }
        }
        // Where a new group starts is committed, so a member that takes a partition over later starts there too.
        const pins = positions.filter((p) => p.pin);
        if (pins.length && current()) await this.cluster.commit(this.options.group, generation, memberId, pins);
        if (!current()) return;
        for (const { topic, partition, offset } of positions) {
          const worker = new PartitionWorker(this, topic, partition, generation, memberId, offset);
          this.workers.set(`${topic}:${partition}`, worker);
          worker.start();
        }
        this.settings.onConnection(true);
        this.markAssigned();
        this.fetchWakeup.wake();
        return;
      } catch (error) {
        // The group is rebalancing again: the next join brings the assignment to set up.
        if (hasProtocolError(error, 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID')) return;
        if (!isTransient(error)) this.settings.onError(new Error(`setting up the partitions of group "${this.options.group}" failed: ${describeError(error)}`, { cause: error }));
        else this.settings.onConnection(false, error);
        await sleep(delay());
      }
    }
  }

  private async rejoin(error: Error): Promise<void> {
    if (this.closed || this.rejoining) return;
    this.rejoining = true;
    this.settings.onConnection(false, error);
    const delay = this.backoff(500);
    try {
      while (!this.closed) {
        try {
          await this.consumer.joinGroup({});
          return;
        } catch (joinError) {
          this.settings.onConnection(false, joinError);
          await sleep(delay());
        }
      }
    } finally {
      this.rejoining = false;
    }
  }

  /* -------------------------------------------------------------- fetching */

  private async fetchLoop(): Promise<void> {
    const delay = this.backoff(250);
    while (!this.closed) {
      const wanted = [...this.workers.values()].filter((w) => w.wantsRecords);
      if (wanted.length === 0) {
        await this.fetchWakeup.wait(250);
        continue;
      }
      try {
        // No partition has a leader right now (a broker is restarting): ask again shortly.
        if ((await this.fetchFor(wanted)) === 0) await this.fetchWakeup.wait(250);
        else this.settings.onConnection(true);
        delay.reset();
      } catch (error) {
        if (this.closed) break;
        if (isTransient(error)) this.settings.onConnection(false, error);
        else this.settings.onError(new Error(`fetching for group "${this.options.group}" failed: ${describeError(error)}`, { cause: error }));
        await this.fetchWakeup.wait(delay());
      }
    }
  }

  /** Fetches for the workers from their leaders; resolves with the number of brokers asked. */
  private async fetchFor(workers: PartitionWorker[]): Promise<number> {
    const metadata = await this.consumer.metadata({ topics: this.options.topics });
    const byNode = new Map<number, PartitionWorker[]>();
    for (const worker of workers) {
      const leader = metadata.topics.get(worker.topic)?.partitions[worker.partition]?.leader ?? -1;
      if (leader < 0) continue;
      const mine = byNode.get(leader);
      if (mine) mine.push(worker);
      else byNode.set(leader, [worker]);
    }
    await Promise.all(
      [...byNode].map(async ([node, mine]) => {
        const requested = new Map(mine.map((w) => [w, w.fetchOffset]));
        const topics = new Map<string, FetchRequestTopic>();
        const names = new Map<string, string>();
        for (const worker of mine) {
          const id = metadata.topics.get(worker.topic)!.id;
          names.set(id, worker.topic);
          const entry = topics.get(id) ?? { topicId: id, partitions: [] };
          entry.partitions.push({ partition: worker.partition, fetchOffset: worker.fetchOffset, partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
          topics.set(id, entry);
        }
        let response: FetchResponse;
        try {
          response = await this.consumer.fetch({ node, topics: [...topics.values()], maxWaitTime: this.settings.fetchWaitMs, minBytes: 1, maxBytes: FETCH_MAX_BYTES, connectionPool: this.fetchPool });
        } catch (error) {
          const partial = (error as { response?: FetchResponse }).response;
          if (!partial || !hasProtocolError(error, 'OFFSET_OUT_OF_RANGE')) throw error;
          response = partial;
        }
        for (const t of response.responses) {
          const topic = names.get(t.topicId) ?? t.topicId;
          for (const p of t.partitions) {
            const worker = this.owner(topic, p.partitionIndex);
            const from = worker && requested.get(worker);
            // The worker changed hands or restarted while the fetch was out: this data is stale.
            if (!worker || from === undefined || worker.fetchOffset !== from) continue;
            if (p.errorCode === 1) {
              worker.restartAt(from < p.logStartOffset ? p.logStartOffset : p.highWatermark);
              continue;
            }
            if (p.errorCode !== 0) continue;
            const next = nextOffsetAfter(p.records);
            const bytes = (p.records ?? []).reduce((sum, batch) => sum + batch.length, 0);
            if (next !== undefined) worker.append(decodeBatches(topic, p.partitionIndex, p.records, from), bytes, next);
          }
        }
      }),
    );
    return byNode.size;
  }
}
