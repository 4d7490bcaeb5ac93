/**
 * The broker's management HTTP API, for what AMQP cannot tell: how many messages are
 * delivered but unacked, which retry queues exist, and the options a queue was created
 * with (its arguments). Its figures are sampled by the broker, about once a second here.
 *
 * Where it answers: `?management=<port>` or `?management=<http(s) URL>` on the AMQP URL;
 * by default the AMQP host on RabbitMQ's default management port. The AMQP credentials and
 * virtual host are used.
 */
import { errorText } from './rabbitmq-connection.ts';

const REQUEST_TIMEOUT_MS = 5000;

export interface ManagedQueue {
  name: string;
  arguments?: Record<string, unknown>;
  /** Absent until the broker has sampled a new queue. */
  messages_unacknowledged?: number;
}

export class RabbitManagement {
  private readonly base: string;
  private readonly authorization: string;
  private readonly vhost: string;

  constructor(amqpUrl: string, override?: string) {
    const amqp = new URL(amqpUrl);
    const setting = override ?? amqp.searchParams.get('management') ?? undefined;
    const secure = amqp.protocol === 'amqps:';
    let base: URL;
    if (setting && /^\d+$/.test(setting)) base = new URL(`${secure ? 'https' : 'http'}://${amqp.hostname}:${setting}/`);
    else if (setting) base = new URL(setting);
    else base = new URL(`${secure ? 'https' : 'http'}://${amqp.hostname}:${secure ? 15671 : 15672}/`);
    const username = decodeURIComponent(base.username || amqp.username || 'guest');
    const password = decodeURIComponent(base.password || amqp.password || 'guest');
    base.username = '';
    base.password = '';
    base.search = '';
    this.base = base.toString().replace(/\/?$/, '/');
    this.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    // As the AMQP client reads it: an empty path is the default virtual host.
    this.vhost = amqp.pathname.length > 1 ? decodeURIComponent(amqp.pathname.slice(1)) : '/';
  }

  /** Queues whose names match `pattern` (a regular expression), with their arguments and unacked counts. */
  async queues(pattern: string): Promise<ManagedQueue[]> {
    const query = new URLSearchParams({ name: pattern, use_regex: 'true', page: '1', page_size: '500', columns: 'name,arguments,messages_unacknowledged' });
    const page = (await this.get(`api/queues/${encodeURIComponent(this.vhost)}?${query}`)) as { items?: ManagedQueue[] };
    return page.items ?? [];
  }

  private async get(path: string): Promise<unknown> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: this.authorization, accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new Error(`RabbitMQ management API at ${this.base} is unreachable: ${errorText(error)}`, { cause: error });
    }
    if (!response.ok) {
      throw new Error(`RabbitMQ management API at ${this.base} answered ${response.status} ${response.statusText} (${(await response.text()).slice(0, 200)})`);
    }
    return response.json();
  }
}
