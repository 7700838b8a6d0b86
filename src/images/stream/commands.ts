// `tessera stream …`: the engineers' tools around the image topic. Each connects to the brokers
// first, so a cluster that cannot be reached is said plainly before anything else is done.
import {
  type CommandContext,
  type CommandTable,
  countOption,
  stringOption,
} from '../../platform/cli-kit.ts';
import { withDatabase } from '../../platform/db/open.ts';
import { formatDuration, parseDuration } from '../../platform/duration.ts';
import { UsageError } from '../../platform/errors.ts';
import { listFiles } from '../../platform/files.ts';
import { progressLine } from '../../platform/progress-line.ts';
import { schemas } from '../../schemas.ts';
import { openStore } from '../storage.ts';
import type { ObjectStore } from '../store/object-store.ts';
import {
  type DeadLetter,
  listDeadLetters,
  replayDeadLetters,
  replayGroup,
} from './dead-letters.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka, type KafkaClient } from './kafka.ts';
import { ownerPattern } from './records.ts';
import { sendFiles } from './send.ts';
import { streamSettings } from './service.ts';
import { recentIntake, type StreamStatus, streamStatus } from './status.ts';
import { createStreamTopics } from './topics.ts';

const recentMinutes = 5;

export const streamCommands: CommandTable = {
  send: {
    summary: 'put image files on the stream topic (inline, or by claim check when large)',
    usage: 'tessera stream send <files or folders…> --owner <principal>',
    options: { owner: { type: 'string' } },
    async run(input, ctx) {
      const owner = ownerOption(input.values.owner, this.usage, true);
      if (input.positionals.length === 0)
        throw new UsageError(`name at least one file or folder\nusage: ${this.usage}`);
      const files = await listFiles(input.positionals);
      if (files.length === 0) throw new UsageError('no files found there');
      const settings = streamSettings(ctx.config);
      const producer = await kafkaOf(ctx).producer();
      try {
        const progress = progressLine(files.length);
        const outcomes = await sendFiles(
          {
            producer,
            store: once(() => openStore(ctx.config, ctx.log)),
            topic: settings.topic,
            inlineMaxBytes: settings.inlineMaxBytes,
          },
          { owner, files, maxBytes: ctx.config.images.limits.maxBytes },
          (outcome, done) => {
            if ('skipped' in outcome) {
              progress.clear();
              ctx.out(`not sent  ${outcome.file}  ${outcome.skipped}`);
            }
            progress.update(done, outcome.file);
          },
        );
        progress.clear();
        const inline = outcomes.filter((o) => 'sent' in o && o.sent === 'inline').length;
        const claimed = outcomes.filter((o) => 'sent' in o && o.sent === 'claim').length;
        const skipped = outcomes.length - inline - claimed;
        ctx.out(
          `${inline + claimed} sent (${inline} inline, ${claimed} by claim check) to ${settings.topic}${skipped ? `; ${skipped} not sent` : ''}.`,
        );
        return skipped > 0 ? 1 : 0;
      } finally {
        await producer.close();
      }
    },
  },
  status: {
    summary: "the consumer group's lag per partition, the dead letters, recent throughput",
    usage: 'tessera stream status',
    async run(_input, ctx) {
      const settings = streamSettings(ctx.config);
      const status = await streamStatus(kafkaOf(ctx), settings.topic, settings.group);
      for (const line of statusLines(status)) ctx.out(line);
      // From the database, when it can be had; the Kafka figures stand without it.
      try {
        const recent = await withDatabase(ctx, schemas, (db) =>
          recentIntake(db, settings.topic, recentMinutes),
        );
        ctx.out(
          `last ${recent.minutes} minutes: ${recent.stored} image(s) stored from ${settings.topic} (${(recent.stored / (recent.minutes * 60)).toFixed(2)}/s, ${megabytes(recent.bytes)})`,
        );
      } catch (error) {
        ctx.out(
          `last ${recentMinutes} minutes: unknown (the database: ${(error as Error).message})`,
        );
      }
      return 0;
    },
  },
  dlq: {
    summary: 'list the dead letters, or replay them to the topic (once each)',
    usage: 'tessera stream dlq list | tessera stream dlq replay [--owner <principal>]',
    options: { owner: { type: 'string' } },
    async run(input, ctx) {
      const [action, ...extra] = input.positionals;
      if ((action !== 'list' && action !== 'replay') || extra.length > 0)
        throw new UsageError(`say list or replay\nusage: ${this.usage}`);
      const owner = ownerOption(input.values.owner, this.usage, false);
      if (action === 'list' && owner) throw new UsageError('--owner is for replay');
      const settings = streamSettings(ctx.config);
      const kafka = kafkaOf(ctx);
      if (action === 'list') {
        const letters = await listDeadLetters(kafka, settings.topic, settings.group);
        if (letters.length === 0) {
          ctx.out(`No dead letters in ${dlqTopic(settings.topic)}.`);
          return 0;
        }
        const store = letters.some((l) => l.claim) ? await openStore(ctx.config, ctx.log) : null;
        ctx.out(table(await Promise.all(letters.map((l) => letterRow(l, store))), letterHeadings));
        const waiting = letters.filter((l) => !l.replayed).length;
        ctx.out(
          `${letters.length} dead letter(s) in ${dlqTopic(settings.topic)}, ${waiting} not replayed yet.`,
        );
        return 0;
      }
      const producer = await kafka.producer();
      try {
        let replayed = 0;
        const progress = progressLine(undefined);
        const count = await replayDeadLetters(
          kafka,
          producer,
          { topic: settings.topic, group: settings.group, owner },
          (record) => progress.update(++replayed, `${record.partition}@${record.offset}`),
        );
        progress.clear();
        ctx.out(
          `${count} dead letter(s) replayed to ${settings.topic}${owner ? ` as ${owner}` : ''}; consumer group ${replayGroup(settings.group)} remembers how far.`,
        );
        return 0;
      } finally {
        await producer.close();
      }
    },
  },
  topics: {
    summary: 'create the image topic and its dead-letter topic (existing ones are left alone)',
    usage: 'tessera stream topics create [--partitions 4] [--retention 7d]',
    options: { partitions: { type: 'string' }, retention: { type: 'string' } },
    async run(input, ctx) {
      if (input.positionals.join(' ') !== 'create')
        throw new UsageError(`say create\nusage: ${this.usage}`);
      const partitions = countOption(input, 'partitions', { fallback: 4, max: 1000 });
      let retentionMs: number;
      try {
        retentionMs = parseDuration(stringOption(input, 'retention') ?? '7d');
      } catch (error) {
        throw new UsageError(`--retention: ${(error as Error).message}\nusage: ${this.usage}`);
      }
      const settings = streamSettings(ctx.config);
      const reports = await createStreamTopics(kafkaOf(ctx), {
        topic: settings.topic,
        partitions,
        retentionMs,
      });
      for (const r of reports) {
        const shape = `${r.partitions ?? '?'} partition(s)`;
        ctx.out(
          r.created
            ? `created  ${r.topic}  ${shape}, retention ${formatDuration(retentionMs)}`
            : `exists   ${r.topic}  ${shape} (left as it is)`,
        );
      }
      return 0;
    },
  },
};

/**
 * A client for the command. Kafka's own log lines are kept for LOG_LEVEL: every failure reaches
 * the person as the command's error, said once.
 */
function kafkaOf(ctx: CommandContext): KafkaClient {
  const log = ctx.config.log.level ? ctx.log : ctx.log.child({}, { level: 'silent' });
  return connectKafka(streamSettings(ctx.config), log, 'tessera-cli');
}

function ownerOption(value: unknown, usage: string, required: true): string;
function ownerOption(value: unknown, usage: string, required: false): string | undefined;
function ownerOption(value: unknown, usage: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !ownerPattern.test(value))
    throw new UsageError(
      `--owner names a principal: 1 to 200 letters, digits and . _ @ + -\nusage: ${usage}`,
    );
  return value;
}

function statusLines(status: StreamStatus): string[] {
  const lines = [`topic ${status.topic}, consumer group ${status.group}`];
  if (!status.partitions) {
    lines.push(`The topic ${status.topic} does not exist yet: tessera stream topics create`);
  } else {
    lines.push(
      table(
        status.partitions.map((p) => [
          String(p.partition),
          p.committed === '-1' ? '-' : p.committed,
          p.latest,
          String(p.lag),
        ]),
        ['partition', 'committed', 'latest', 'lag'],
        0,
      ),
      `lag: ${status.lag} record(s) not yet consumed`,
    );
  }
  const { held, notReplayed } = status.deadLetters;
  lines.push(
    `dead letters: ${held} in ${dlqTopic(status.topic)}${held ? ` (${notReplayed} not replayed yet)` : ''}`,
  );
  return lines;
}

const letterHeadings = [
  'letter',
  'failed at',
  'code',
  'from',
  'owner',
  'filename',
  'size',
  'reason',
];

async function letterRow(letter: DeadLetter, store: ObjectStore | null): Promise<string[]> {
  const size = letter.claim
    ? `${(await claimSize(store, letter.claim)) ?? 'claim gone'}`
    : megabytes(letter.bytes);
  return [
    `${letter.partition}@${letter.offset}${letter.replayed ? ' (replayed)' : ''}`,
    letter.failedAt?.replace(/\.\d+Z$/, 'Z') ?? '-',
    letter.code,
    `${letter.origin.topic}/${letter.origin.partition}@${letter.origin.offset}`,
    letter.owner ?? '-',
    letter.filename ?? '-',
    size,
    letter.reason,
  ];
}

/** The size of a claim-checked image still in the store's incoming area. */
async function claimSize(store: ObjectStore | null, claim: string): Promise<string | undefined> {
  if (!store) return undefined;
  for await (const object of store.list(claim)) {
    if (object.key === claim) return `${megabytes(object.size)} (claim)`;
  }
  return undefined;
}

/** Columns two spaces apart; those from `figuresFrom` on aligned right. */
function table(rows: string[][], headings: string[], figuresFrom = Number.POSITIVE_INFINITY) {
  const all = [headings, ...rows];
  const widths = headings.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, c) =>
          c === r.length - 1 && c < figuresFrom
            ? cell
            : c >= figuresFrom
              ? cell.padStart(widths[c] ?? 0)
              : cell.padEnd(widths[c] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

function megabytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}
