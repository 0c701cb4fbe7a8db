// The clusters' colours, the same in `spray --out`'s embedding.png and in the SpRAy panel (pure: the webview imports it).

/** Tableau 10. */
export const CLUSTER_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export const clusterColour = (k: number): string => CLUSTER_COLOURS[k % CLUSTER_COLOURS.length];
