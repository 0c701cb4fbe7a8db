// The part of the `tsne` package (Andrej Karpathy's tsnejs) Model Lens uses.
declare module 'tsne' {
  export class tSNE {
    constructor(opt?: { epsilon?: number; perplexity?: number; dim?: number });
    Y: number[][];
    initDataRaw(x: number[][]): void;
    step(): number;
    getSolution(): number[][];
  }
}
