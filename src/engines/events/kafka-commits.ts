/**
 * A group member's OffsetCommits, coalesced: while one request is out, the commits of
 * every partition gather for the next, so throughput does not hang on one round trip
 * per batch. Each commit names the generation under which its partition is owned.
 */
import type { KafkaCluster } from './kafka-cluster.ts';

export interface PendingCommit {
  topic: string;
  partition: number;
  offset: bigint;
  generation: number;
  memberId: string;
  settle: (error?: unknown) => void;
}

export class CommitBatcher {
  private readonly cluster: KafkaCluster;
  private readonly group: string;
  private pending: PendingCommit[] = [];
  private sending = false;

  constructor(cluster: KafkaCluster, group: string) {
    this.cluster = cluster;
    this.group = group;
  }

  commit(entry: Omit<PendingCommit, 'settle'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...entry, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.pending.length) {
        // Workers of an older generation may still be finishing: each generation commits as itself.
        const byGeneration = Map.groupBy(this.pending.splice(0), (entry) => `${entry.generation}/${entry.memberId}`);
        await Promise.all(
          [...byGeneration.values()].map(async (entries) => {
            try {
              await this.cluster.commit(this.group, entries[0].generation, entries[0].memberId, entries);
              for (const entry of entries) entry.settle();
            } catch (error) {
              for (const entry of entries) entry.settle(error ?? new Error('commit failed'));
            }
          }),
        );
      }
    } finally {
      this.sending = false;
    }
  }
}
