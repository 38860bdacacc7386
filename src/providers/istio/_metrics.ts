// The metrics Istio's data plane exposes for analysis (internal): the default MetricSource of
// TrafficProvider.istio(), its sidecars' destination reporter.
import { IstioReporter, MetricSource } from '../../analysis/metric-source';

/** The default metric source of the Istio provider. */
export function istioMetricSource(): MetricSource {
  return MetricSource.istio({ reporter: IstioReporter.DESTINATION });
}
