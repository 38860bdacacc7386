export { StringMatch, StringMatchType, ClientOs, MatchField, MatchCondition, RequestMatch } from './request-match';
export * from './routing-model';
export { LoadBalancerAlgorithm, LoadBalancer, ConnectionPool, OutlierDetection, TrafficPolicy } from './traffic-policy';
export * from './routed-service';
export * from './canary-service';
