export * from './request-match';
export * from './routing-model';
export * from './traffic-policy';
export * from './routed-service';
export * from './canary-service';
export * from './header-match-route';
export * from './blue-green-service';
export * from './routing-analyzer';
