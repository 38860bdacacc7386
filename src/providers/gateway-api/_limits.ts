// The HTTPRoute limits its CRD enforces (internal): the renderers fail at synth instead.
export const MAX_RULES = 16;
export const MAX_MATCHES_PER_RULE = 64;
export const MAX_MATCHES_PER_ROUTE = 128;
