// The metrics behind the Gateway API provider for analysis (internal): with an Istio ambient
// waypoint, the waypoint reports every request it routes (reporter "waypoint"); without one
// the implementation is unknown, so there is no default source.
import { IstioReporter, MetricSource } from '../../analysis/metric-source';

/** The default metric source of the Gateway API provider; undefined without a waypoint. */
export function gatewayApiMetricSource(waypoint: string | undefined): MetricSource | undefined {
  return waypoint ? MetricSource.istio({ reporter: IstioReporter.WAYPOINT }) : undefined;
}
