// The metrics ingress-nginx exposes for analysis (internal): the default MetricSource of
// TrafficProvider.ingressNginx(), the controller's own request metrics of the main Ingress.
import { MetricSource } from '../../analysis/metric-source';

/** The default metric source of the ingress-nginx provider. */
export function ingressNginxMetricSource(): MetricSource {
  return MetricSource.ingressNginx();
}
