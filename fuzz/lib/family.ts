import type { Outcome } from './pool';
import type { Rng } from './rng';

/** A file (and the folder it sits in) that mutations start from. */
export interface Seed {
  name: string;
  /** Folder copied whole into each case (a model.json with its shards, an .onnx with its data). */
  dir: string;
  /** The file the command is given, relative to dir. */
  main: string;
  /** Copy the whole folder into each case (a model.json and its shards); else the file alone. */
  whole?: boolean;
}

/** One kind of damage: changes the case's files in place (the primary file and its folder). */
export interface Mutator {
  name: string;
  apply(file: string, dir: string, rng: Rng): void;
}

export const FAMILIES = ['tfjs', 'onnx', 'keras', 'image', 'tensorboard', 'csv', 'jsonl'] as const;
export type FamilyName = (typeof FAMILIES)[number];

export interface Family {
  name: FamilyName;
  /** The seeds, written under `work` where they are generated. */
  seeds(work: string): Seed[];
  mutators: Mutator[];
  /** The command line a case runs. */
  argv(file: string, rng: Rng): string[];
  /** Whether the case got past the format's first structural check (its container parsed). */
  pastFirstCheck(o: Outcome): boolean;
}
