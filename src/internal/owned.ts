// Objects rendered by our service constructs (internal). RoutingAnalyzer trusts them, as long
// as they are not JSON-patched: the constructs have already checked them eagerly.
import { IConstruct } from 'constructs';

export const OWNED = new WeakSet<IConstruct>();
