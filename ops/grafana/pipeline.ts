/** "Orbit / Pipeline": readings through each hop, latency, queue depth, consumer lag and dead letters. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { orbitDashboard, statPanel, timeSeries } from './panels.ts';

const quantiles = (metric: string, what: string) => [0.5, 0.99].map((q) => ({
  expr: `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket[$__rate_interval])))`,
  legend: `${what} p${q * 100}`,
}));

export function pipelineDashboard() {
  return orbitDashboard('Orbit / Pipeline', 'orbit-pipeline', 'Telemetry from ingest through the processor to the analyzer and the enricher: throughput, latency and backlog. Queue and event-log gauges are reported alike by every process that opens the engine, so they are combined with max.')
    .withRow(new RowBuilder('Throughput'))
    .withPanel(statPanel('Readings/s now', {
      unit: 'reqps', span: 8,
      description: 'Readings per second over the last minute at each hop (recording rule orbit:readings:rate1m).',
      queries: [{ expr: 'orbit:readings:rate1m', legend: '{{hop}}' }],
    }))
    .withPanel(statPanel('Dead-lettered messages', {
      unit: 'short', span: 8, warnAt: 1,
      description: 'Messages given up and parked on each task queue\'s dead-letter queue (GET /v1/queues/{queue}/dead-letters lists them).',
      queries: [{ expr: 'max by (queue) (orbit_queue_messages{state="dead_lettered"})', legend: '{{queue}}' }],
    }))
    .withPanel(statPanel('Consumer lag', {
      unit: 'short', span: 8, warnAt: 1000,
      description: 'Records each consumer group has yet to process.',
      queries: [{ expr: 'max by (group) (orbit_events_consumer_lag_records)', legend: '{{group}}' }],
    }))
    .withPanel(timeSeries('Readings/s per hop', {
      unit: 'reqps', min: 0,
      description: 'Readings accepted by ingest, stored and published by processors, and checked by analyzers. In a healthy pipeline the three lines lie on each other.',
      queries: [
        { expr: 'sum(rate(orbit_ingest_readings_total{outcome="accepted"}[$__rate_interval]))', legend: 'ingest (accepted)' },
        { expr: 'sum(rate(orbit_processor_readings_total[$__rate_interval]))', legend: 'processor (stored)' },
        { expr: 'sum(rate(orbit_analyzer_readings_total[$__rate_interval]))', legend: 'analyzer (checked)' },
      ],
    }))
    .withPanel(timeSeries('Ingest outcomes and enricher output', {
      unit: 'reqps', min: 0,
      description: 'Readings ingest received, by outcome; bucket documents the enricher wrote; batches that failed processing (retried, then dead-lettered).',
      queries: [
        { expr: 'sum by (outcome) (rate(orbit_ingest_readings_total[$__rate_interval]))', legend: 'ingest {{outcome}}' },
        { expr: 'sum(rate(orbit_enricher_documents_total[$__rate_interval]))', legend: 'enricher documents' },
        { expr: 'sum(rate(orbit_processor_failures_total[$__rate_interval]))', legend: 'processor failed batches' },
      ],
    }))
    .withRow(new RowBuilder('Latency'))
    .withPanel(timeSeries('Enqueue latency', {
      unit: 's', min: 0,
      description: 'Time ingest takes to make an accepted batch durable on the task queue: the wait a sender sees before its 202.',
      queries: quantiles('orbit_ingest_enqueue_duration_seconds', 'enqueue'),
    }))
    .withPanel(timeSeries('Processor batch latency', {
      unit: 's', min: 0,
      description: 'Time a processor takes to store and publish one batch.',
      queries: quantiles('orbit_processor_batch_duration_seconds', 'batch'),
    }))
    .withRow(new RowBuilder('Backlog'))
    .withPanel(timeSeries('Queue depth', {
      unit: 'short', min: 0, span: 8,
      description: 'Messages on each task queue: ready (waiting for a worker), unacked (being worked on), dead_lettered (given up).',
      queries: [{ expr: 'max by (queue, state) (orbit_queue_messages)', legend: '{{queue}} {{state}}' }],
    }))
    .withPanel(timeSeries('Consumer lag', {
      unit: 'short', min: 0, span: 8,
      description: 'Records each consumer group has yet to process on its topic. Lag that keeps growing raises OrbitConsumerLagGrowing.',
      queries: [{ expr: 'max by (group, topic) (orbit_events_consumer_lag_records)', legend: '{{group}} on {{topic}}' }],
    }))
    .withPanel(timeSeries('Dead letters', {
      unit: 'short', min: 0, span: 8,
      description: 'Messages on the dead-letter queue of each task queue. A rise raises OrbitDeadLetters.',
      queries: [{ expr: 'max by (queue) (orbit_queue_messages{state="dead_lettered"})', legend: '{{queue}}' }],
    }));
}
