/**
 * What the Orbit dashboards share: the datasource variables every panel queries through,
 * and panels built the same way (time series, stats, logs) with fixed query ids.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DatasourceVariableBuilder, QueryVariableBuilder, CustomVariableBuilder, DashboardBuilder, ThresholdsConfigBuilder, ThresholdsMode, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The provisioned datasources' uids (deploy/grafana/provisioning/datasources/orbit.yml). */
export const DATASOURCE_UIDS = { prometheus: 'orbit-prometheus', loki: 'orbit-loki', jaeger: 'orbit-jaeger', elasticsearch: 'orbit-elasticsearch' } as const;

const PROMETHEUS = { type: 'prometheus', uid: '${datasource}' };
const LOKI = { type: 'loki', uid: '${loki}' };

export interface Query {
  expr: string;
  legend?: string;
}

/** A dashboard with the Prometheus datasource variable, the Orbit tags and a shared time range. */
export function orbitDashboard(title: string, uid: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['orbit', 'generated'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(
      new DatasourceVariableBuilder('datasource')
        .label('Prometheus')
        .type('prometheus')
        .current({ text: 'Prometheus', value: DATASOURCE_UIDS.prometheus }),
    );
}

/** `$service`: the value of Orbit's `service` label (the targets a process runs), several at once. */
export function serviceVariable(): QueryVariableBuilder {
  return new QueryVariableBuilder('service')
    .label('Service')
    .datasource(PROMETHEUS)
    .query('label_values(orbit_build_info, service)')
    .definition('label_values(orbit_build_info, service)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

export function lokiVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('loki').label('Loki').type('loki').current({ text: 'Loki', value: DATASOURCE_UIDS.loki });
}

export function levelVariable(): CustomVariableBuilder {
  return new CustomVariableBuilder('level')
    .label('Level')
    .values('trace,debug,info,warn,error,fatal')
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ text: 'All', value: '$__all' });
}

function targets(queries: Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const query = new prometheus.DataqueryBuilder().refId(String.fromCharCode(65 + i)).expr(q.expr).range();
    return q.legend ? query.legendFormat(q.legend) : query;
  });
}

export function timeSeries(title: string, options: { unit: string; description: string; queries: Query[]; span?: number; stack?: boolean; min?: number }): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .description(options.description)
    .datasource(PROMETHEUS)
    .unit(options.unit)
    .span(options.span ?? 12)
    .height(8)
    .fillOpacity(options.stack ? 40 : 10)
    .lineWidth(1)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(targets(options.queries));
  if (options.stack) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (options.min !== undefined) panel.min(options.min);
  return panel;
}

/** A single number per series; green below `warnAt`, red from it. */
export function statPanel(title: string, options: { unit: string; description: string; queries: Query[]; span?: number; warnAt?: number }): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(options.description)
    .datasource(PROMETHEUS)
    .unit(options.unit)
    .span(options.span ?? 6)
    .height(4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        ...(options.warnAt === undefined ? [] : [{ value: options.warnAt, color: 'red' }]),
      ]),
    )
    .targets(targets(options.queries));
}

/** Log lines from Loki, whose streams the log forwarder labels `service`, `target` and `level`. */
export function logsPanel(title: string, description: string, expr: string): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .span(24)
    .height(12)
    .showTime(true)
    .showLabels(false)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .targets([new loki.DataqueryBuilder().refId('A').expr(expr).maxLines(500)]);
}

/** A Loki query drawn as a time series (log lines per level, say). */
export function lokiTimeSeries(title: string, description: string, expr: string, legend: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .span(24)
    .height(6)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .targets([new loki.DataqueryBuilder().refId('A').expr(expr).legendFormat(legend)]);
}
